import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LogRateLimiter } from '../../../src/logs/rate-limiter.js'
import type { LogRecord } from '../../../src/model/log-record.js'

const T0 = Date.UTC(2026, 0, 1)
const cfg = { perJob: { linesPerSecond: 100, burst: 200 }, perTaskManager: { linesPerSecond: 10_000, burst: 10_000 }, maxClockSkewMs: 60_000, markerIntervalMs: 10_000 }
const rec = (jobId: string, ts: number, tm = 'tm-1'): LogRecord => ({
  id: `${jobId}-${ts}`, timestamp: ts, level: 'INFO', message: 'm', logger: null, thread: null, cluster: 'c', jobId, jobName: `name-${jobId}`, taskManager: tm,
  errorType: null, errorMessage: null, stackTrace: null, truncated: false, origin: 't',
})

describe('LogRateLimiter', () => {
  it('holds a job at 10x its limit within limit + burst while a quiet job passes entirely', () => {
    const l = new LogRateLimiter(cfg)
    const seconds = 60
    let noisy = 0
    let quiet = 0
    // Noisy: 1000 lines/s (10x); quiet: 5 lines/s, interleaved; all arrive "at once" (a backlog).
    for (let ms = 0; ms < seconds * 1000; ms++) {
      if (l.admit(rec('noisy', T0 + ms), T0) === null) noisy++
      if (ms % 200 === 0 && l.admit(rec('quiet', T0 + ms), T0) === null) quiet++
    }
    const bound = cfg.perJob.linesPerSecond * seconds + cfg.perJob.burst
    assert.ok(noisy <= bound, `${noisy} <= ${bound}`)
    assert.ok(noisy >= bound * 0.95, `${noisy} within 5% of ${bound}`)
    assert.equal(quiet, seconds * 5)
  })

  it('does not drop a backlog that was logged at a legal pace but arrives fast', () => {
    const l = new LogRateLimiter(cfg)
    let admitted = 0
    // 50 lines/s of record time for 100 s, all processed at one wall-clock instant much later.
    for (let i = 0; i < 5000; i++) if (l.admit(rec('j', T0 + i * 20), T0 + 3_600_000) === null) admitted++
    assert.equal(admitted, 5000)
  })

  it('bounds clock skew: future-stamped lines count at wall-clock time', () => {
    const l = new LogRateLimiter(cfg)
    let admitted = 0
    // Timestamps racing a year ahead would refill forever; they are clamped to now + maxClockSkew.
    for (let i = 0; i < 1000; i++) if (l.admit(rec('j', T0 + i * 86_400_000), T0) === null) admitted++
    assert.ok(admitted <= cfg.perJob.burst + (cfg.maxClockSkewMs / 1000) * cfg.perJob.linesPerSecond + 1)
  })

  it('limits per TaskManager too, and reports the reason', () => {
    const l = new LogRateLimiter({ ...cfg, perTaskManager: { linesPerSecond: 1, burst: 2 } })
    assert.equal(l.admit(rec('a', T0), T0), null)
    assert.equal(l.admit(rec('b', T0), T0), null)
    assert.equal(l.admit(rec('c', T0), T0), 'rate_limit_taskmanager')
    assert.equal(l.admit(rec('c', T0, 'tm-2'), T0), null)
  })

  it('emits one marker per job per interval with the count and the time range', () => {
    const l = new LogRateLimiter({ ...cfg, perJob: { linesPerSecond: 1, burst: 1 } })
    for (let i = 0; i < 10; i++) l.admit(rec('j', T0 + i), T0)
    assert.deepEqual(l.takeMarkers(T0 + 1000), [], 'window still open')
    for (let i = 0; i < 5; i++) l.admit(rec('j', T0 + 10_000 + i), T0 + 1000)
    const [m1] = l.takeMarkers(T0 + 1000)
    assert.equal(m1?.marker?.dropped, 9)
    assert.equal(m1?.message, `9 lines dropped by rate limit between ${new Date(T0 + 1).toISOString()} and ${new Date(T0 + 9).toISOString()}`)
    assert.equal(m1?.jobId, 'j')
    assert.equal(m1?.jobName, 'name-j')
    const later = l.takeMarkers(T0 + 11_000)
    assert.equal(later.length, 1, 'a quiet job\'s open marker is flushed after one interval of wall time')
    assert.equal(later[0]?.marker?.dropped, 4)
    assert.notEqual(later[0]?.id, m1?.id)
  })

  it('keeps a busy job\'s bucket past the cap: the least recently used bucket goes, not the oldest', () => {
    const l = new LogRateLimiter({ ...cfg, perJob: { linesPerSecond: 1, burst: 5 }, maxBuckets: 3 })
    // The busy job was seen first and spends its burst at T0; its lines keep coming, all at T0.
    for (let i = 0; i < 5; i++) assert.equal(l.admit(rec('busy', T0), T0), null)
    assert.equal(l.admit(rec('busy', T0), T0), 'rate_limit_job')
    // Ten short-lived jobs come and go, three times the cap, each between two lines of the busy job.
    for (let i = 0; i < 10; i++) {
      assert.equal(l.admit(rec(`short-${i}`, T0), T0), null)
      assert.equal(l.admit(rec('busy', T0), T0), 'rate_limit_job', `busy job still limited after short-${i}`)
    }
    // (Had its bucket been dropped, a new one would have admitted the next line with a full burst.)
  })
})
