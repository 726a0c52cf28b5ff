/**
 * The failure-cause classes (issue 11). Their ids are a contract: alerts, the webhook payload, the
 * `cause` label of `flinkwatch_job_failures_total` and user rules name them. Each class says who
 * usually fixes it (`platform`: the team running Flink, `job`: the team owning the job) and what to
 * check first; a rule may give a more specific title, hint and runbook.
 */
import { CAUSE_CLASS_IDS, type CauseClassId } from '../model/cause-classes.js'

export { CAUSE_CLASS_IDS, type CauseClassId }

export type CauseOwner = 'platform' | 'job'

export interface CauseClass {
  id: CauseClassId
  owner: CauseOwner
  /** A few words for titles and digests ("Kafka broker unavailable" comes from a rule). */
  title: string
  hint: string
}

export const CAUSE_CLASSES: Readonly<Record<CauseClassId, CauseClass>> = {
  'heap-oom': { id: 'heap-oom', owner: 'job', title: 'Java heap exhausted', hint: 'The TaskManager ran out of JVM heap: large state on the heap backend, big windows or collections in user code, or too little task heap. Check heap usage and GC before the failure; raise taskmanager.memory.task.heap.size or move state to RocksDB.' },
  'direct-oom': { id: 'direct-oom', owner: 'platform', title: 'Direct memory exhausted', hint: 'Off-heap (direct) memory ran out: network buffers, connectors (Kafka, Netty) or user code allocating direct buffers. Raise taskmanager.memory.task.off-heap.size / framework.off-heap.size, check for leaked ByteBuffers.' },
  'metaspace-oom': { id: 'metaspace-oom', owner: 'platform', title: 'Metaspace exhausted', hint: 'Class metadata filled the metaspace, usually classloader leaks across job restarts in a session cluster (user jars loading drivers or threads that are never released). Raise taskmanager.memory.jvm-metaspace.size and fix the leak; restarting the TaskManagers frees it.' },
  'container-memory-kill': { id: 'container-memory-kill', owner: 'platform', title: 'Container killed for memory', hint: 'Kubernetes (OOMKilled, exit 137) or YARN (physical memory limit, -104/143) killed the TaskManager container for exceeding its memory limit: native memory (RocksDB, JVM overhead, glibc arenas) grew past the process size. Raise jvm-overhead or managed memory limits, check RocksDB memory, set MALLOC_ARENA_MAX.' },
  'taskmanager-lost': { id: 'taskmanager-lost', owner: 'platform', title: 'TaskManager lost', hint: 'A TaskManager stopped answering (heartbeat timeout, process died, node lost or network partition). Check the TaskManager log and host for crashes, long GC pauses and node events; heartbeat.timeout may be too short for the GC pauses.' },
  'checkpoint-failure': { id: 'checkpoint-failure', owner: 'job', title: 'Checkpoints failing', hint: 'Checkpoints expired, were declined or exceeded the tolerable failure count: usually backpressure slowing barriers, slow state uploads or an operator that cannot snapshot. Check backpressure, checkpoint duration and size, and execution.checkpointing.tolerable-failed-checkpoints.' },
  'state-storage': { id: 'state-storage', owner: 'platform', title: 'State storage error', hint: 'Reading or writing checkpoints/savepoints or state failed (S3, HDFS, OSS, local disk, RocksDB): credentials, quota, throttling, full disk or a missing restore path. Check the checkpoint directory, its permissions and the storage service.' },
  'source-sink-unavailable': { id: 'source-sink-unavailable', owner: 'platform', title: 'Source or sink unavailable', hint: 'An external system the job reads or writes could not be reached or refused it (Kafka broker, topic or auth, JDBC database, Elasticsearch, HBase, Redis). Check that system, the network path and credentials; the job usually recovers once it is back.' },
  deserialization: { id: 'deserialization', owner: 'job', title: 'Bad record / deserialization', hint: 'A record could not be (de)serialized: a poison or malformed message, a schema change upstream, or a type the serializer cannot handle. Find the offending record (topic, partition, offset in the log), fix the producer or make the deserializer skip bad records.' },
  'sql-planning': { id: 'sql-planning', owner: 'job', title: 'SQL / planning error', hint: 'The SQL or Table API program failed validation or planning (unknown table or column, type mismatch, unsupported feature, missing connector factory). Fix the statement or the catalog; this does not heal with restarts.' },
  classloading: { id: 'classloading', owner: 'job', title: 'Class loading / dependency conflict', hint: 'A class or method was missing or loaded twice in different versions (ClassNotFoundException, NoSuchMethodError, LinkageError): a dependency conflict between the job jar and Flink lib/. Shade or exclude the conflicting dependency, check classloader.resolve-order.' },
  'user-code': { id: 'user-code', owner: 'job', title: 'Exception in user code', hint: 'The job’s own code threw an exception. The frames below point at the line; fix the code or the data it chokes on.' },
  'cluster-lost': { id: 'cluster-lost', owner: 'platform', title: 'JobManager lost / failover', hint: 'The JobManager (or its leadership) was lost: a failover, a lost ZooKeeper/Kubernetes HA lease, or the cluster went away. Check JobManager logs, HA storage and the leader election backend.' },
  cancelled: { id: 'cancelled', owner: 'job', title: 'Cancelled', hint: 'The job was cancelled or stopped by an operator or a deployment tool, not by a failure. Check the audit events and who deployed.' },
  unknown: { id: 'unknown', owner: 'platform', title: 'Unknown cause', hint: 'No known failure pattern matched. Read the root exception and the TaskManager logs below; add a rule (causes.rules) once you know the cause.' },
}

export function isCauseClass(v: string): v is CauseClassId {
  return (CAUSE_CLASS_IDS as readonly string[]).includes(v)
}
