import { Kafka, logLevel, type Consumer, type EachBatchPayload, type LogEntry } from 'kafkajs'
import type { Clock, TimerHandle } from '../../src/core/clock.js'
import type { Component, ComponentStatus } from '../../src/core/component.js'
import { errorMessage } from '../../src/core/errors.js'
import type { Logger } from '../../src/core/logger.js'
import type { Gauge } from 'prom-client'
import type { LogRecord, RawLog } from '../../src/model/log-record.js'
import { registerKafkaCodecs } from './compression.js'
import { kafkaLogId, kafkaLogOrigin } from './record-id.js'

/**
 * What the source needs from the log pipeline (src/logs/pipeline.ts is one): decode a payload, then
 * buffer a batch and learn when it is durable. Declared here so the source does not import the feature
 * that consumes it; the logs module wires the two.
 */
export interface LogIntake {
  decode(raw: RawLog, source: 'kafka'): { ok: true; record: LogRecord } | { ok: false }
  submit(records: readonly LogRecord[], signal?: AbortSignal): Promise<{ durable: Promise<void> }>
}

export interface KafkaLogSourceOptions {
  brokers: string[]
  topics: string[]
  groupId: string
  clientId: string
  fromBeginning: boolean
  pipeline: LogIntake
  metrics: { readonly consumerLag: Pick<Gauge<'topic' | 'partition'>, 'set'> }
  clock: Clock
  logger: Logger
  /** Partitions processed at once by this instance; their batches share bulks. */
  partitionsConsumedConcurrently?: number
}

/** How long stop() waits for batches already buffered to become durable and be committed. */
const COMMIT_GRACE_MS = 8000

/**
 * A kafkajs consumer group on the log topics. Each batch is decoded and handed to the pipeline; the consumer
 * reads on as soon as the batch is buffered (the pipeline makes it wait when its buffer is full: backpressure),
 * and the batch's offsets are committed only once its records are durable, in offset order per partition. A
 * crash replays at most the uncommitted batches, and the origin-derived ids turn the replay into duplicates the
 * store skips. Several flinkwatch instances with one groupId share the partitions; commits of batches read
 * before a rebalance are dropped (their records are durable, so the replay only makes duplicates).
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
  /** Per topic-partition: the last commit in the chain (true while every earlier batch was committed or skipped). */
  private readonly commits = new Map<string, Promise<boolean>>()
  private generation = 0

  constructor(private readonly o: KafkaLogSourceOptions) {
    registerKafkaCodecs()
  }

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
    // A fetch is decoded into message objects all at once: 1 MB per partition and 4 MB per fetch keep that
    // small while a batch (about 1,300 typical lines) still fills a good part of a bulk.
    const consumer = kafka.consumer({ groupId: this.o.groupId, maxBytesPerPartition: 1024 * 1024, maxBytes: 4 * 1024 * 1024, maxWaitTimeInMs: 250, sessionTimeout: 30_000, heartbeatInterval: 3_000 })
    this.consumer = consumer
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.generation++
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
        partitionsConsumedConcurrently: this.o.partitionsConsumedConcurrently ?? 4,
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

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
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
          id: kafkaLogId(topic, partition, m.offset),
          origin: kafkaLogOrigin(topic, partition, m.offset),
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
    let durable: Promise<void>
    try {
      ;({ durable } = await this.o.pipeline.submit(records, this.abort.signal))
    } catch (err) {
      // Stopping (or aborted): leave the offsets uncommitted; the batch is read again later.
      this.o.logger.debug({ err, topic, partition }, 'log batch not committed')
      return
    } finally {
      if (hb) this.o.clock.clearTimeout(hb)
    }
    if (!isRunning() || isStale()) {
      durable.catch(() => undefined)
      return
    }
    const last = batch.lastOffset()
    // Read on from here; the committed offset moves only when the records are durable.
    resolveOffset(last)
    this.commitWhenDurable(topic, partition, (BigInt(last) + 1n).toString(), durable)
    const lag = Number(batch.offsetLag())
    if (Number.isFinite(lag)) this.o.metrics.consumerLag.set({ topic, partition: String(partition) }, lag)
  }

  /**
   * Chains the commit of `offset` after every earlier batch of the partition: it happens once these records
   * are durable and only if no earlier batch failed to become durable (that batch and all after it are then
   * read again) and no rebalance happened since they were read.
   */
  private commitWhenDurable(topic: string, partition: number, offset: string, durable: Promise<void>): void {
    const key = `${topic}\u0000${partition}`
    const generation = this.generation
    const previous = this.commits.get(key) ?? Promise.resolve(true)
    const link = previous.then(async (ok) => {
      try {
        await durable
      } catch (err) {
        this.o.logger.debug({ err, topic, partition }, 'log batch not durable; not committed')
        return false
      }
      if (!ok || generation !== this.generation || !this.consumer) return ok && generation === this.generation
      try {
        await this.consumer.commitOffsets([{ topic, partition, offset }])
      } catch (err) {
        // Rebalancing or disconnected: the records are durable, a later commit or the replay covers them.
        this.o.logger.debug({ err, topic, partition, offset }, 'log offsets not committed')
      }
      return true
    })
    this.commits.set(key, link)
    void link.then(() => {
      if (this.commits.get(key) === link) this.commits.delete(key)
    })
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.retryTimer) this.o.clock.clearTimeout(this.retryTimer)
    this.abort.abort(new Error('log source stopping'))
    // Batches already buffered are written by the pipeline meanwhile (its bulks keep going): commit what
    // becomes durable before leaving the group, so a restart replays little.
    try {
      this.consumer?.pause(this.o.topics.map((topic) => ({ topic })))
    } catch {
      // not running yet: nothing to pause
    }
    let t: TimerHandle | undefined
    await Promise.race([Promise.all([...this.commits.values()]), new Promise<void>((resolve) => (t = this.o.clock.setTimeout(resolve, COMMIT_GRACE_MS)))])
    if (t) this.o.clock.clearTimeout(t)
    await this.consumer?.disconnect().catch((err: unknown) => this.o.logger.warn({ err }, 'log consumer disconnect failed'))
  }

  readiness(): ComponentStatus {
    if (this.joined) return { ready: true, detail: `consuming ${this.o.topics.join(', ')} as ${this.o.groupId} (${this.assigned} partitions assigned)` }
    return { ready: false, detail: this.lastError ? `Kafka log consumer not running: ${this.lastError}` : 'Kafka log consumer joining its group' }
  }
}
