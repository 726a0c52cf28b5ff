import type { AppContext, FeatureModule } from '../core/feature.js'
import type { Component } from '../core/component.js'
import { KafkaLogSource } from '../../collectors/kafka-logs/kafka-log-source.js'
import { ElasticsearchStore } from '../storage/elasticsearch-store.js'
import { DEAD_LETTER_COLLECTION, LOGS_COLLECTION, deadLetterCollection, logsCollection } from './document.js'
import { LogDocument, recordOf } from './log-document.js'
import type { LogRecord } from '../model/log-record.js'
import type { NewDoc } from '../storage/store.js'
import { EsBulkWriter } from './es-bulk-writer.js'
import { JobNames } from './job-names.js'
import { LogMetrics } from './metrics.js'
import { LogPipeline } from './pipeline.js'
import { LogRetention } from './retention.js'
import { LogSearch } from './search.js'
import { StoreLogSink, type LogSink } from './sink.js'
import { LogTailTopic } from './tail.js'

const NOTABLE = new Set(['WARN', 'ERROR', 'FATAL'])

/** How long shutdown waits for bulks in flight before leaving them to the redelivery. */
const STOP_GRACE_MS = 10_000

export interface LogsModuleOptions {
  /** Another sink (an Elasticsearch raw-bulk sink, a failing wrapper in tests); default: the store sink. */
  sink?: LogSink
}

/** Log ingestion (Kafka, HTTP), rate limiting, bulk indexing, search, context and live tail. */
export function createLogsModule(ctx: AppContext, opts: LogsModuleOptions = {}): FeatureModule & { pipeline: LogPipeline; search: LogSearch; tail: LogTailTopic } {
  const cfg = ctx.config.logs
  const logger = ctx.logger.child({ component: 'logs' })
  const metrics = new LogMetrics(ctx.registry)
  const tail = new LogTailTopic()
  // On Elasticsearch, log bulks go out as raw NDJSON (es-bulk-writer.ts) behind the same sink (retries, dead letters).
  const storage = ctx.config.storage
  const bulkWriter = !opts.sink && storage.type === 'elasticsearch' && ctx.store instanceof ElasticsearchStore ? new EsBulkWriter({ storage, analysis: ctx.store.analysis }) : undefined
  const sink = opts.sink ?? new StoreLogSink({ store: ctx.store, clock: ctx.clock, logger, metrics, ...(bulkWriter ? { writeLogs: (docs, signal) => bulkWriter.write(docs, signal) } : {}) })
  const markerIntervalMs = cfg.rateLimit.markerInterval
  // Rules (the ERROR-log-rate rule) hear about stored WARN and worse lines; the INFO bulk never crosses the bus.
  const publishNotable = (docs: readonly NewDoc[], failed: ReadonlySet<string>): void => {
    const records: LogRecord[] = []
    for (const d of docs) {
      // The level first, then the record (a LogDocument's own, kept for WARN and worse: see encode below); the
      // body would be built for every line.
      const level = d instanceof LogDocument ? d.level : recordOf(d).level
      if (level !== null && NOTABLE.has(level) && !failed.has(d.id)) records.push(recordOf(d))
    }
    if (records.length > 0) ctx.bus.publish({ type: 'log.stored', records })
  }
  const jobNames = new JobNames()
  const pipeline = new LogPipeline({
    sink,
    clock: ctx.clock,
    logger,
    metrics,
    maxRecordBytes: cfg.maxRecordBytes,
    batch: {
      maxRecords: cfg.bulk.maxRecords,
      maxBytes: cfg.bulk.maxBytes,
      flushIntervalMs: cfg.bulk.flushInterval,
      maxInFlight: cfg.bulk.maxInFlight,
      // One bulk gathering while maxInFlight are out keeps the store busy; more would only hold memory.
      maxBufferedRecords: cfg.bulk.maxRecords,
      maxBufferedBytes: cfg.bulk.maxBytes,
    },
    rateLimit: {
      perJob: cfg.rateLimit.perJob,
      perTaskManager: cfg.rateLimit.perTaskManager,
      maxClockSkewMs: cfg.rateLimit.maxClockSkew,
      markerIntervalMs,
    },
    enrich: (r) => jobNames.enrich(r),
    // Bulk bytes right away; the record stays only where it is wanted after the write: WARN and worse (rules),
    // markers, and while someone tails (anything else reads it back from the bytes).
    ...(bulkWriter ? { admitted: (d: LogDocument) => void bulkWriter.encode(d, (d.level !== null && NOTABLE.has(d.level)) || d.record.marker !== undefined || tail.size > 0) } : {}),
    onStored: (docs, result) => {
      tail.publish(docs, result)
      publishNotable(docs, result.failedIds)
    },
  })
  const search = new LogSearch(ctx.store)

  const pipelineComponent: Component = {
    name: 'logs-pipeline',
    async start() {
      jobNames.attach(ctx.bus)
      pipeline.start(markerIntervalMs)
    },
    async stop() {
      jobNames.detach()
      await pipeline.stop(STOP_GRACE_MS)
      await bulkWriter?.close().catch((err: unknown) => logger.warn({ err }, 'closing the log bulk client failed'))
    },
    readiness: () => ({ ready: true, detail: `${pipeline.batcher.buffered} records buffered, ${pipeline.batcher.bulksInFlight} bulks in flight` }),
  }
  // Start order = this order; stop is the reverse, so the Kafka source stops before the pipeline flushes.
  const components: Component[] = [
    pipelineComponent,
    new LogRetention({ store: ctx.store, clock: ctx.clock, logger, retentionMs: cfg.retention, collections: [LOGS_COLLECTION, DEAD_LETTER_COLLECTION] }),
  ]
  const k = cfg.kafka
  if (k && k.enabled) {
    components.push(new KafkaLogSource({ brokers: k.brokers, topics: k.topics, groupId: k.groupId, clientId: k.clientId, fromBeginning: k.fromBeginning, pipeline, metrics, clock: ctx.clock, logger }))
  }
  return {
    name: 'logs',
    collections: [logsCollection, deadLetterCollection],
    components,
    topics: [tail],
    pipeline,
    search,
    tail,
  }
}
