/**
 * The baseline the benchmark compares against: the operator's approach (the Flink Kubernetes
 * Operator's `exception.label.mapper`, a table of user-written patterns): the root exception's class
 * name mapped by a keyword table, nothing else (no messages, pods, logs, or chain priorities).
 * "Root" is the deepest cause Java prints, the one an operator's table is usually written for.
 */
import type { CauseClassId } from './classes.js'
import { parseChain, rootLink } from './chain.js'
import type { CauseClassifier, CauseVerdict, FailureInput } from './classifier.js'
import { CAUSE_CLASSES } from './classes.js'

const TABLE: [RegExp, CauseClassId][] = [
  [/OutOfMemoryError/, 'heap-oom'],
  [/ClassNotFound|NoClassDefFound|NoSuchMethod|NoSuchField|LinkageError/, 'classloading'],
  [/JobCancellation|Cancel/, 'cancelled'],
  [/Checkpoint/, 'checkpoint-failure'],
  [/Json|Serializ|Deserializ|Kryo|Avro|Protobuf/, 'deserialization'],
  [/Validation|SqlParse|Parse|Table|Sql|Calcite/, 'sql-planning'],
  [/Kafka|Topic|SQLException|Communications|Elasticsearch|Connect/, 'source-sink-unavailable'],
  [/S3|Hdfs|RemoteException|FileNotFound|IOException|RocksDB/, 'state-storage'],
  [/Timeout|Heartbeat|RemoteTransport|TaskManager/, 'taskmanager-lost'],
  [/Leader|JobNotFound/, 'cluster-lost'],
  [/NullPointer|IllegalArgument|IllegalState|RuntimeException|ArithmeticException|NumberFormat|IndexOutOfBounds/, 'user-code'],
]

export class KeywordBaseline implements CauseClassifier {
  classify(input: FailureInput): CauseVerdict {
    const chain = parseChain(input.exception ?? '')
    const root = rootLink(chain)
    const name = root?.simpleName ?? ''
    const id = (name && TABLE.find(([re]) => re.test(name))?.[1]) || 'unknown'
    const cls = CAUSE_CLASSES[id]
    return { class: id, owner: cls.owner, title: cls.title, hint: cls.hint, runbook: null, rule: name || null, matched: name || null, source: root ? 'exception' : null, chain }
  }
}
