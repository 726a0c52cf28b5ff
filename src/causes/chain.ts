/**
 * Java exception text (Flink's root exception, a log line's stack trace) as a chain of causes,
 * outermost first: each with its class name, message and frames. Flink wraps nearly everything
 * (JobExecutionException, "Recovery is suppressed by NoRestartBackoffTimeStrategy",
 * SerializedThrowable), so the classifier looks at every cause, deepest first.
 */
export interface CauseLink {
  /** Fully qualified class name, or '' when the header is not `class: message`. */
  className: string
  /** Simple name (after the last dot or $ of the class name). */
  simpleName: string
  message: string
  /** Frames as written after `at ` ("com.example.Job$1.processElement(Job.java:42)"). */
  frames: string[]
  /** 0 = outermost. */
  depth: number
}

const CLASS_HEADER = /^((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*)(?::\s?([\s\S]*))?$/
const FRAME = /^\s*at\s+(\S.*)$/
const MORE = /^\s*\.\.\.\s*\d+\s+(?:more|common frames omitted)/
const CAUSED_BY = /^\s*Caused by:\s*(.*)$/
/** Log4j's prefix: "2024-01-01 10:00:00,000 ERROR org.x.Y [] - message". */
const LOG_PREFIX = /^\s*\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+\s+(?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+\S+\s+(?:\[[^\]]*\]\s+)?-\s+/
/** What wraps a trace when it was copied from a console: `Exception in thread "x" `, docker compose's `svc_1  | `. */
const THREAD_PREFIX = /^\s*Exception in thread "[^"]*"\s+/
const COMPOSE_PREFIX = /^[\w.-]+\s+\|\s?/
/** Py4J (PyFlink) prints the Java exception under its own line as `: org.apache.flink...`. */
const PY4J_PREFIX = /^\s*:\s+(?=[a-z])/

/** Reads a header line ("java.io.IOException: disk full") into class and message. */
export function parseHeader(line: string): { className: string; message: string } {
  const text = line.replace(LOG_PREFIX, '').replace(THREAD_PREFIX, '').replace(PY4J_PREFIX, '').trim()
  const m = CLASS_HEADER.exec(text)
  if (m && /[A-Z]/.test(m[1]!.split('.').at(-1)![0] ?? '')) return { className: m[1]!, message: (m[2] ?? '').trim() }
  // Quoted without its package: "SerializationException: The given schema does not match".
  const bare = /^([A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?([\s\S]*))?$/.exec(text)
  if (bare) return { className: bare[1]!, message: (bare[2] ?? '').trim() }
  // "Caused by: org.apache.flink.util.SerializedThrowable: java.io.IOException: x" is handled by the caller.
  return { className: '', message: text }
}

export function simpleName(className: string): string {
  return className.split(/[.$]/).at(-1) ?? className
}

/**
 * Flink ships exceptions as SerializedThrowable whose message starts with the original class name:
 * "org.apache.flink.util.SerializedThrowable: java.lang.OutOfMemoryError: Java heap space".
 */
function unwrapSerialized(h: { className: string; message: string }): { className: string; message: string } {
  if (!/SerializedThrowable$|RemoteException$/.test(h.className)) return h
  const inner = parseHeader(h.message)
  return inner.className ? inner : h
}

export function parseChain(text: string | null | undefined): CauseLink[] {
  if (!text) return []
  const out: CauseLink[] = []
  let cur: CauseLink | null = null
  let inSuppressed = false
  const start = (header: string): void => {
    const h = unwrapSerialized(parseHeader(header))
    cur = { className: h.className, simpleName: h.className ? simpleName(h.className) : '', message: h.message, frames: [], depth: out.length }
    out.push(cur)
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(COMPOSE_PREFIX, '').trimEnd()
    if (line.trim() === '') continue
    const caused = CAUSED_BY.exec(line)
    if (caused) {
      inSuppressed = false
      start(caused[1]!)
      continue
    }
    if (/^\s*Suppressed:/.test(line)) {
      inSuppressed = true
      continue
    }
    const frame = FRAME.exec(line)
    if (frame) {
      if (!inSuppressed && cur) (cur as CauseLink).frames.push(frame[1]!.trim())
      continue
    }
    if (MORE.test(line) || inSuppressed) continue
    if (!cur) {
      start(line)
      continue
    }
    const c: CauseLink = cur
    if (c.frames.length === 0) {
      // A message that spans lines, unless this line starts a new throwable of its own (logs).
      const h = parseHeader(line)
      if (h.className && /(Exception|Error|Throwable|Failure)$/.test(h.className)) start(line)
      else c.message = c.message ? `${c.message}\n${line.trim()}` : line.trim()
    } else if (LOG_PREFIX.test(line) || CLASS_HEADER.test(line.trim())) {
      // Another log line or exception after the frames: a new chain link (log excerpts).
      start(line)
    }
  }
  return out
}

/**
 * Framework frames: Flink, the JDK, Scala, and libraries a job uses but does not own (connectors'
 * clients, Hadoop, Netty, Jackson…). Everything else is the job's own code. Flink's generated
 * code (StreamExecCalc$12, no package) counts as framework: the SQL planner wrote it.
 */
const FRAMEWORK_PREFIXES = [
  'org.apache.flink.', 'java.', 'javax.', 'jdk.', 'sun.', 'com.sun.', 'scala.', 'kotlin.', 'akka.', 'org.apache.pekko.',
  'org.apache.kafka.', 'io.netty.', 'org.apache.hadoop.', 'com.amazonaws.', 'software.amazon.', 'com.google.', 'org.apache.calcite.',
  'org.codehaus.', 'com.fasterxml.', 'org.rocksdb.', 'org.slf4j.', 'org.apache.logging.', 'org.apache.log4j.', 'com.esotericsoftware.',
  'org.apache.commons.', 'org.elasticsearch.', 'co.elastic.', 'com.mysql.', 'org.postgresql.', 'oracle.jdbc.', 'org.apache.hive.',
  'org.apache.iceberg.', 'org.apache.hudi.', 'org.apache.paimon.', 'io.debezium.', 'com.ververica.', 'org.apache.avro.', 'org.apache.parquet.',
  'org.apache.orc.', 'okhttp3.', 'okio.', 'org.apache.http.', 'reactor.', 'io.grpc.', 'org.xerial.', 'net.jpountz.', 'org.apache.zookeeper.',
  'org.apache.curator.', 'org.apache.hbase.', 'org.apache.hadoop.hbase.', 'redis.clients.', 'io.lettuce.', 'com.zaxxer.', 'org.apache.pulsar.',
  'com.alibaba.druid.', 'org.mariadb.', 'org.apache.beam.', 'org.apache.thrift.', 'io.confluent.', 'com.twitter.', 'org.json4s.', 'org.joda.',
  'org.objenesis.', 'org.apache.arrow.', 'org.apache.spark.', 'org.apache.derby.', 'org.h2.', 'com.typesafe.', 'org.yaml.', 'shaded.', 'org.apache.flink_',
]

export function isFrameworkFrame(frame: string): boolean {
  const f = frame.trim()
  if (FRAMEWORK_PREFIXES.some((p) => f.startsWith(p))) return true
  // Generated or synthetic: no package (Flink codegen), proxies, lambdas' hidden frames.
  if (/^[A-Za-z_$][\w$]*\.[\w$<>]+\(/.test(f) && /^(StreamExec|BatchExec|Exec|[A-Z][\w]*\$\d+)/.test(f)) return true
  return /^(\$Proxy|jdk\/|<generated>)/.test(f)
}

export function isUserFrame(frame: string): boolean {
  return !isFrameworkFrame(frame)
}

/** The frames where the job's code was on the stack: the first `n` user frames of a link. */
export function userFrames(link: CauseLink, n = 3): string[] {
  return link.frames.filter(isUserFrame).slice(0, n)
}

/**
 * A link's frames with framework runs folded into one "… N framework frames" line, at most
 * `max` lines; what the alert shows.
 */
export function foldFrames(frames: readonly string[], max = 6): string[] {
  const out: string[] = []
  let folded = 0
  for (const f of frames) {
    if (isFrameworkFrame(f)) {
      folded++
      continue
    }
    if (folded > 0) out.push(`… ${folded} framework frame${folded === 1 ? '' : 's'}`)
    folded = 0
    out.push(`at ${f}`)
    if (out.length >= max) return out
  }
  if (folded > 0 && out.length > 0) out.push(`… ${folded} framework frame${folded === 1 ? '' : 's'}`)
  return out.slice(0, max)
}

/** The deepest link whose class is known (the root cause as Java prints it last). */
export function rootLink(chain: readonly CauseLink[]): CauseLink | undefined {
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.className) return chain[i]
  return chain.at(-1)
}
