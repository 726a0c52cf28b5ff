import { Kafka, logLevel, type Consumer, type EachBatchPayload, type LogEntry } from 'kafkajs'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import type { Component, ComponentStatus } from '../../src/core/component.js'
import { errorMessage } from '../../src/core/errors.js'
import type { Logger } from '../../src/core/logger.js'
import type { LogRecord } from '../../src/model/log-record.js'
import type { LogMetrics } from '../../src/logs/metrics.js'
import type { LogPipeline } from '../../src/logs/pipeline.js'

export interface KafkaLogSourceOptions {
  brokers: string[]
  topics: string[]
  groupId: string
  clientId: string
  fromBeginning: boolean
  pipeline: LogPipeline
  metrics: LogMetrics
  clock: Clock
  logger: Logger
  /** Partitions processed at once by this instance; their batches share bulks. */
  partitionsConsumedConcurrently?: number
}

/**
 * A kafkajs consumer group on the log topics. Each batch is decoded and ingested, and its offsets are
 * committed only after ingest() resolved, i.e. after the records are durable: a crash replays at most the
 * uncommitted batches, and the origin-derived ids turn the replay into duplicates the store skips. Several
 * flinkwatch instances with one groupId share the partitions.
 */
export class KafkaLogSource implements Component {
  readonly name = 'logs-kafka'
  private consumer: Consumer | undefined
  private readonly abort = new AbortController()
  private joined = false
  private assigned = 0
  private lastError: string | undefined
  private stopped = false
  private retryTimer: TimerHandle | undefined

  constructor(private readonly o: KafkaLogSourceOptions) {}

  async start(): Promise<void> {
    void this.connect()
  }

  private async connect(): Promise<void> {
    if (this.stopped) return
    const log = this.o.logger
    const kafka = new Kafka({
      clientId: this.o.clientId,
      brokers: this.o.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...rest } = entry.log
        if (entry.level <= logLevel.ERROR) log.warn({ kafka: rest, namespace: entry.namespace }, message)
        else log.debug({ kafka: rest, namespace: entry.namespace }, message)
      },
    })
    const consumer = kafka.consumer({ groupId: this.o.groupId, maxBytesPerPartition: 2 * 1024 * 1024, maxBytes: 16 * 1024 * 1024, maxWaitTimeInMs: 250, sessionTimeout: 30_000, heartbeatInterval: 3_000 })
    this.consumer = consumer
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true
      this.assigned = Object.values(e.payload.memberAssignment).reduce((n, parts) => n + parts.length, 0)
      log.info({ groupId: this.o.groupId, assignment: e.payload.memberAssignment }, 'log consumer joined its group')
    })
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false
      this.lastError = errorMessage(e.payload.error)
      log.warn({ err: e.payload.error, restart: e.payload.restart }, 'log consumer crashed')
      if (!e.payload.restart && !this.stopped) this.reconnectLater()
    })
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: this.o.topics, fromBeginning: this.o.fromBeginning })
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.o.partitionsConsumedConcurrently ?? 8,
        eachBatch: (payload) => this.eachBatch(payload),
      })
    } catch (err) {
      this.lastError = errorMessage(err)
      log.warn({ err }, 'log consumer could not start; retrying in 5 s')
      await consumer.disconnect().catch(() => undefined)
      this.reconnectLater()
    }
  }

  private reconnectLater(): void {
    if (this.stopped) return
    this.retryTimer = this.o.clock.setTimeout(() => void this.connect(), 5000)
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return
    const { topic, partition } = batch
    const now = this.o.clock.now()
    const records: LogRecord[] = []
    for (const m of batch.messages) {
      const out = this.o.pipeline.decode(
        {
          value: m.value,
          key: m.key,
          headers: m.headers,
          // Zero-padded so ids of one partition sort in offset order (context lines within one millisecond).
          id: `k-${topic}-${partition}-${m.offset.padStart(20, '0')}`,
          origin: `kafka:${topic}/${partition}/${m.offset}`,
          receivedAt: now,
          sourceTimestamp: Number(m.timestamp),
        },
        'kafka',
      )
      if (out.ok) records.push(out.record)
    }
    // Waiting for a slow or stopped store can outlast the session timeout: keep the membership alive.
    let hb: TimerHandle | undefined
    const beat = (): void => {
      hb = this.o.clock.setTimeout(() => {
        heartbeat().catch(() => undefined)
        beat()
      }, 3000)
    }
    beat()
    try {
      await this.o.pipeline.ingest(records, this.abort.signal)
    } catch (err) {
      // Stopping (or aborted): leave the offsets uncommitted; the batch is read again later.
      this.o.logger.debug({ err, topic, partition }, 'log batch not committed')
      return
    } finally {
      if (hb) this.o.clock.clearTimeout(hb)
    }
    if (!isRunning() || isStale()) return
    const last = batch.lastOffset()
    resolveOffset(last)
    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] })
    const lag = Number(batch.offsetLag())
    if (Number.isFinite(lag)) this.o.metrics.consumerLag.set({ topic, partition: String(partition) }, lag)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.retryTimer) this.o.clock.clearTimeout(this.retryTimer)
    this.abort.abort(new Error('log source stopping'))
    await this.consumer?.disconnect().catch((err: unknown) => this.o.logger.warn({ err }, 'log consumer disconnect failed'))
  }

  readiness(): ComponentStatus {
    if (this.joined) return { ready: true, detail: `consuming ${this.o.topics.join(', ')} as ${this.o.groupId} (${this.assigned} partitions assigned)` }
    return { ready: false, detail: this.lastError ? `Kafka log consumer not running: ${this.lastError}` : 'Kafka log consumer joining its group' }
  }
}
