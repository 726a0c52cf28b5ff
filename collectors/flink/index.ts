/** Public surface of the Flink collector, also used by the YARN and Kubernetes collectors. */
export { createFlinkCollector, type FlinkCollectorDeps } from './flink-collector.js'
export { createJobManagerReader, type JobManagerRead, type JobManagerReaderOptions, type JobManagerTarget, type JobManagerView } from './flink-read.js'
export { FlinkRestClient, reasonOf, type FetchLike, type FlinkRestClientOptions } from './flink-rest-client.js'
export { JobManagerPoller, type JobManagerPoll, type JobManagerPollerOptions } from './job-manager-poller.js'
