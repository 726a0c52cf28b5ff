/**
 * Public surface of the Flink platform for the other platforms: YARN and Kubernetes reach the same
 * JobManager REST API through a proxy, read it with the shared reader and drive it with the session
 * actions. Flink DTOs (flink-schemas.ts) stay inside this folder.
 */
export { createFlinkCollector, type FlinkCollectorDeps } from './flink-collector.js'
export { createJobManagerReader, defaultJobManagerReader, type JobManagerRead, type JobManagerReaderOptions, type JobManagerTarget, type JobManagerView } from './flink-read.js'
export { FlinkRestClient, reasonOf, type FetchLike, type FlinkRestClientOptions } from './flink-rest-client.js'
export { FlinkHttp, newTriggerId, type FlinkHttpOptions } from './flink-http.js'
export { FlinkSessionActions, type FlinkSessionActionsOptions } from './flink-session-actions.js'
export { JobManagerPoller, type JobManagerPoll, type JobManagerPollerOptions } from './job-manager-poller.js'
