/**
 * Built-in cause rules for failures told in words rather than thrown: operator events, platform
 * lines that quote no exception class, and the sentences of a report or a changelog ("the
 * NodeManager was killing containers", "low on direct memory", "the appMaster will fail over").
 * Same schema and scoring as builtin-rules.ts; priorities sit just under the thrown form of the
 * same cause, so an exception, when there is one, still decides. Written from the fresh rounds'
 * misses (rounds 2 to 5 of test/fixtures/failures/) as families, not as copies of their lines.
 */
import type { CauseRuleConfig } from './rules.js'

const ANY = '[^\\n]'

export const DESCRIBED_CAUSE_RULES: readonly CauseRuleConfig[] = [
  // ---- memory, described -----------------------------------------------------------------------------
  { id: 'direct-oom-words', class: 'direct-oom', priority: 84, match: { message: `(low on|out of|runs? out of|running out of|ran out of|exhaust\\w*|not enough|insufficient) (the )?direct (buffer )?memory|direct (buffer )?memory (allocation|limit|size)\\b${ANY}{0,120}(OutOfMemory|out of memory|fail|too (small|low|strict))|(OutOfMemory\\w*|out of memory)${ANY}{0,60}direct (buffer )?memory|(upper |strict )?(limit|size) (for|of) the direct memory|(strict|upper) (upper )?direct memory limit|Failure allocating buffer` } },
  { id: 'heap-oom-words', class: 'heap-oom', priority: 83, match: { message: `\\b(out of|ran out of|runs? out of|running out of) (java |jvm )?heap\\b|heap (memory|space) (is |was )?(exhausted|full|ran out)|\\bheap (OOM|out of memory)\\b|(failed|died|crashed|killed|fails) with (an? )?OutOfMemory(Error)?\\b(?!:? ?\\(?(Metaspace|Direct|unable|Compressed))` } },
  { id: 'container-kill-words', class: 'container-memory-kill', priority: 89, match: { message: `OOM[- ]killed|killed by (the )?(OS|kernel|system|NodeManager|kubelet|YARN|Kubernetes|container manager)${ANY}{0,60}(memory|resource)|(NodeManager|YARN|kubelet|kernel|the OS|container manager)${ANY}{0,40}kill(s|ed|ing)? (the )?(\\w+ )?(containers?|TaskManagers?|process(es)?|pods?)${ANY}{0,60}(memory|resource overuse|exceed)|killed when the (system|node|machine|host) (runs|ran) out of memory|(system|node|machine|host) (runs|ran) out of memory${ANY}{0,60}killed` } },

  // ---- TaskManagers and JobManagers, described ------------------------------------------------------------
  // Execution.deploy: the TaskManager did not answer submitTask within akka.ask.timeout / rpcTimeout.
  { id: 'tm-not-responding', class: 'taskmanager-lost', title: 'TaskManager not responding', priority: 63, match: { message: `not responding after a rpcTimeout|Cannot deploy task ${ANY}*not responding|TaskManager${ANY}{0,200} not responding` } },
  { id: 'tm-gone-words', class: 'taskmanager-lost', priority: 61, match: { message: '\\btask ?managers? (drops|dropped|dies|died|crash(es|ed)|disappear(s|ed)?|went away|goes away)\\b' } },
  { id: 'tm-quarantined', class: 'taskmanager-lost', title: 'TaskManager quarantined', priority: 63, match: { message: 'has quarantined this system|quarantined (by|from) (the )?(remote|JobManager)' } },
  // A TaskManager's own view: it is the JobManager that went away (its heartbeat, its address, its name).
  // 6123 is the JobManager's RPC port (jobmanager.rpc.port) unless someone changed it.
  { id: 'tm-lost-jobmanager', class: 'cluster-lost', title: 'TaskManagers lost the JobManager', priority: 62, match: { message: `The heartbeat of (ResourceManager|JobManager|JobMaster) with id \\S+ timed out|Association with remote system \\[(\\S*job-?manager[^\\]]*|[^\\]]*:6123)\\] has failed|UnknownHostException: \\S*job-?manager|Could not resolve ResourceManager address|Could not connect to rpc endpoint under address \\S*(resourcemanager|jobmanager|dispatcher)` } },
  { id: 'jm-failover-words', class: 'cluster-lost', priority: 61, match: { message: '(app ?master|application ?master|job ?manager|JM)s?( will| would)? fail(s|ed)? ?over|(zookeeper|zk) leader (change|changes|crash|crashes|crashed|election)|job ?managers? (goes|went|is|was|are|were) down|(kill|killed|killing) the job ?manager( container| pod| process)?|fail ?over the job ?manager|job ?manager (encounter(s|ed)?|had|has) a failover|active job ?manager (stops|stopped|dies|died|crash\\w*|is killed|was killed)|(entire|whole) (flink )?cluster (is|was|goes|went) (out|down|gone)' } },

  // ---- records and state, described -----------------------------------------------------------------------
  { id: 'bad-record-words', class: 'deserialization', priority: 68, match: { message: `(tombstone|malformed|corrupt(ed)?|dirty|bad|invalid) (messages?|records?|rows?|JSON|events?|data)${ANY}{0,60}(NPE|NullPointerException|fail|throws?|exception|error)|(NPE|NullPointerException|fails?|throws?)${ANY}{0,40}(tombstone|malformed|corrupt(ed)?|dirty) (messages?|records?|rows?|JSON|events?|data)` } },
  // Kafka Connect's converters (Debezium, the CDC formats): the record does not fit the declared columns.
  { id: 'connect-data-exception', class: 'deserialization', title: 'Record does not match the declared schema', priority: 70, match: { exception: 'org\\.apache\\.kafka\\.connect\\.errors\\.DataException' } },
  // Deserialising on the restore path is reading the operator's own state back, not a record.
  { id: 'state-restore-deserialize', class: 'state-storage', title: 'Restored state cannot be read', priority: 71, match: { message: 'deserializ', frame: 'SimpleVersionedListState|StateHandler|restoreState|initializeState|StateInitializ|RestoreOperation|StateRestore|OperatorStateBackend|KeyedStateBackend|SavepointRestore|Restorer' } },
  { id: 'restore-words', class: 'state-storage', priority: 60, match: { message: '(more|fewer|other|different|new) (stateful )?operators than (the|its) (save|check) ?point|(failed|fails|unable|could not|cannot) to (start|restore|resume) from (the |its |a |my )?(last |latest )?(save ?point|check ?point)|(save ?point|check ?point) (could not|cannot|can.t) be (restored|mapped)|access (issue|problem|error)s? (to|with|on) (the )?(save ?point|check ?point)|(on|during|while) restor(e|ing)\\b[^\\n]{0,80}(fail|out of bounds)|restored (raw )?(keyed |operator )?state[^\\n]{0,80}(fail|out of bounds|corrupt)' } },

  // ---- sources and sinks, described -------------------------------------------------------------------------
  { id: 'endpoint-unavailable-words', class: 'source-sink-unavailable', priority: 57, match: { message: `(Failed to restore|Trying to restore lost) connection to|stream ?load (failed|error)|\\b(BE|FE|broker|region ?server|data ?node) (node )?(process )?(fails|failed|is down|went down|crashed)\\b|Connection (maybe|may be|might be) closed|only supports \\w+ (whose|with an?) version|No \\w+ (FE|BE|nodes?|servers?|brokers?|hosts?|backends?|endpoints?) (is |are )?available|\\b(FE|BE|node|server|broker|host|backend|endpoint) ${ANY}{0,60}is unavailable|Error while sending (a )?(messages?|records?) to (Pulsar|Kafka|RabbitMQ|Kinesis|Elasticsearch|Redis|Doris|StarRocks)|PulsarClientException` } },
  // The source database refuses the connector's user (CDC needs replication grants): above the object-store "Access denied" words.
  { id: 'database-privileges', class: 'source-sink-unavailable', title: 'Database privileges missing', priority: 66, match: { message: 'you need \\(at least one of\\) the [^\\n]{0,80}privilege|REPLICATION (CLIENT|SLAVE) privilege|permission denied for (table|relation|database|schema|publication)|must be superuser or (have )?replication role' } },
  { id: 'iceberg-table-io', class: 'source-sink-unavailable', title: 'Table storage (Iceberg) error', priority: 56, match: { exception: 'org\\.apache\\.iceberg\\.exceptions\\.(NotFoundException|CommitFailedException|CommitStateUnknownException|RuntimeIOException|NoSuchTableException)' } },

  // ---- class loading, described ---------------------------------------------------------------------------------
  { id: 'dependency-conflict-words', class: 'classloading', title: 'Class loading / dependency conflict', priority: 73, match: { message: '\\b(jars?|plugins?|dependenc(y|ies)|libraries|versions?)\\b[^\\n]{0,80}conflict(s|ing)? with (each other|one another)|\\b(jar|dependency|class ?path|version) conflicts?\\b' } },

  // ---- the job's own code, described ---------------------------------------------------------------------------
  // "Could not initialize class" of the job's own class: its static initialiser threw earlier, not a missing jar.
  { id: 'user-init-class', class: 'user-code', title: "The job's own class failed to initialise", priority: 76, match: { exception: 'NoClassDefFoundError', message: '^Could not initialize class', userCode: true } },
  // The program's main() building the job, before any record is read: a JDK or parse error there is the program's.
  // Not when main() only reports the job's own failure (an attached execute() rethrows it: "Job execution failed").
  { id: 'main-method-errors', class: 'user-code', title: "The job's main() failed", priority: 71, match: { text: 'Exception in thread "main"|The main method caused an error', exception: '^java\\.(lang|util)\\.(ArrayIndexOutOfBounds|IndexOutOfBounds|StringIndexOutOfBounds|NullPointer|IllegalArgument|IllegalState|NumberFormat|ClassCast|UnsupportedOperation|NoSuchElement)Exception$|Json(Parse|Processing|Mapping)Exception', unless: 'JobExecutionException|Job execution failed|Job failed|JobSubmissionException|Could not execute SQL|SqlClient|ValidationException|SqlParseException' } },
  // A PyFlink UDF's Python traceback through the job's own file (a frame outside PyFlink's and Beam's runtime).
  { id: 'python-udf-raised', class: 'user-code', title: 'Raised in a Python UDF', priority: 31, match: { message: 'File "(?![^"]*(pyflink|apache_beam|site-packages|dist-packages|/lib/python))[^"]+\\.py", line \\d+, in \\w+' } },
  { id: 'runtime-context-misuse', class: 'user-code', priority: 31, match: { message: 'The runtime context has not been initialized|Configuring the output format \\(\\S*\\) failed' } },
  // Chinese reports and platform UIs (Dinky, StreamPark): "smart stop", "cancelled / stopped the job (task)".
  { id: 'cancel-words-zh', class: 'cancelled', priority: 70, match: { message: '智能停止|(手动|主动|点击)(取消|停止)|(取消|停止)(了)?(该|这个)?(任务|作业)' } },
  // Flink refused the configuration before anything ran (memory sizes that do not add up): nothing failed at run time.
  { id: 'config-rejected', class: 'unknown', title: 'Configuration rejected', hint: 'Flink refused its configuration before the job ran; fix the option the message names (for memory, the sizes must add up to the total).', priority: 88, match: { exception: 'IllegalConfigurationException', message: '(TaskManager|JobManager|TaskExecutor)? ?memory configuration failed' } },
]
