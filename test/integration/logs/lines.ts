/** Realistic ECS log lines for integration tests and the benchmark (deterministic for a seed). */
export const JOBS = Array.from({ length: 20 }, (_, i) => ({ id: (i + 1).toString(16).padStart(2, '0').repeat(16), name: `job-${String(i + 1).padStart(2, '0')}` }))

const LOGGERS = ['org.apache.flink.runtime.taskmanager.Task', 'org.apache.flink.runtime.checkpoint.CheckpointCoordinator', 'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator', 'flinkwatch.testjob.TestJob', 'org.apache.flink.streaming.runtime.tasks.StreamTask']
const WORDS = ['processed', 'checkpoint', 'completed', 'declined', 'records', 'watermark', 'backpressure', 'committed', 'offsets', 'partition', 'rebalance', 'snapshot', 'state', 'barrier', 'timeout', 'restored']

export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

export interface GenOptions {
  seed?: number
  start: number
  /** Milliseconds of log time between consecutive lines. */
  stepMs?: number
  /** Share of lines with a stack trace. */
  stackShare?: number
  jobs?: number
  cluster?: string
}

/** Line i: job chosen with a skewed (Zipf-like) distribution; message carries `seq=<i>` for exact-once checks. */
export function makeLine(i: number, r: () => number, o: GenOptions): { key: string; value: string; job: string } {
  const jobs = JOBS.slice(0, o.jobs ?? JOBS.length)
  const job = jobs[Math.min(jobs.length - 1, Math.floor(jobs.length * r() ** 2.5))]!
  const words = Array.from({ length: 4 + Math.floor(r() * 8) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ')
  const withStack = r() < (o.stackShare ?? 0.05)
  const doc: Record<string, unknown> = {
    '@timestamp': new Date(o.start + i * (o.stepMs ?? 1)).toISOString(),
    'ecs.version': '1.2.0',
    'log.level': withStack ? 'ERROR' : r() < 0.1 ? 'WARN' : 'INFO',
    message: `${words} seq=${i} subtask=${Math.floor(r() * 8)}`,
    'process.thread.name': `Source: kafka (${1 + Math.floor(r() * 4)}/4)#0`,
    'log.logger': LOGGERS[Math.floor(r() * LOGGERS.length)],
    'flink-job-id': job.id,
    'flink.job.id': job.id,
    'flink.job.name': job.name,
    'flink.taskmanager.id': `tm-${Math.floor(r() * 4)}`,
    'flink.cluster': o.cluster ?? 'bench',
    'host.name': 'node-1',
  }
  if (withStack) {
    doc['error.type'] = 'java.lang.IllegalStateException'
    doc['error.message'] = `poison record seq=${i}`
    doc['error.stack_trace'] = [`java.lang.IllegalStateException: poison record seq=${i}`, ...Array.from({ length: 25 }, (_, k) => `\tat org.apache.flink.streaming.runtime.tasks.Frame${k}.invoke(Frame${k}.java:${100 + k})`)].join('\n')
  }
  return { key: job.id, value: JSON.stringify(doc), job: job.id }
}
