import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { Value } from '@sinclair/typebox/value'
import { Checkpoints } from '../../../platforms/flink/flink-schemas.js'
import { EventBus } from '../../../src/core/event-bus.js'
import { chooseRestorePoint, noRestorePoint, requireRestorePoint, restoreModeField } from '../../../src/lifecycle/restore-point.js'
import { flinkRestorePoints } from '../../../platforms/flink/flink-session-actions.js'
import { restorePointsCollection, storeRestorePointMemory } from '../../../src/lifecycle/restore-point-memory.js'
import { RestorePointRecorder } from '../../../src/lifecycle/restore-point-recorder.js'
import type { RestorePoint } from '../../../src/model/operation.js'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { captureLogger } from '../../helpers/service.js'
import { job } from '../fleet/snapshots.js'

const OLD = 'a'.repeat(32)
const NEW = 'b'.repeat(32)
const T = Date.UTC(2026, 0, 10)
const H = 3_600_000

const cp = (path: string, at: number, jobId = OLD): RestorePoint => ({ path, kind: 'checkpoint', completedAt: at, jobId })
const sp = (path: string, at: number, jobId = OLD): RestorePoint => ({ path, kind: 'savepoint', completedAt: at, jobId })

/** `GET /jobs/:id/checkpoints` as Flink 1.20 answers it (flink-apis.md), trimmed to the fields that matter. */
function checkpointsJson(o: { completed?: [number, string, number] | null; savepoint?: [number, string, number] | null; restored?: [number, string, boolean] | null }): Checkpoints {
  const completed = (c: [number, string, number] | null | undefined, isSavepoint: boolean) =>
    c ? { className: 'completed', id: c[0], status: 'COMPLETED', is_savepoint: isSavepoint, trigger_timestamp: c[2] - 500, latest_ack_timestamp: c[2], external_path: c[1], discarded: false } : null
  const raw = {
    counts: { restored: o.restored ? 1 : 0, total: 12, in_progress: 0, completed: 11, failed: 1 },
    latest: {
      completed: completed(o.completed, false),
      savepoint: completed(o.savepoint, true),
      failed: null,
      restored: o.restored ? { id: o.restored[0], restore_timestamp: T - H, is_savepoint: o.restored[2], external_path: o.restored[1] } : null,
    },
  }
  assert.ok(Value.Check(Checkpoints, raw), [...Value.Errors(Checkpoints, raw)].map((e) => `${e.path} ${e.message}`).join('; '))
  return raw as Checkpoints
}

describe('restore point', () => {
  const stores: SqliteStore[] = []
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close()
  })

  it('the newest of checkpoint and savepoint wins', () => {
    assert.equal(chooseRestorePoint({ observed: [sp('s3://sp/savepoint-1', T - H), cp('s3://cp/chk-40', T)] })?.path, 's3://cp/chk-40')
    assert.equal(chooseRestorePoint({ observed: [cp('s3://cp/chk-40', T - H), sp('s3://sp/savepoint-2', T)] })?.path, 's3://sp/savepoint-2')
    // A tie goes to the savepoint: it is self-contained, a checkpoint may be incremental.
    assert.equal(chooseRestorePoint({ observed: [cp('s3://cp/chk-41', T), sp('s3://sp/savepoint-3', T)] })?.kind, 'savepoint')
    // Any instance of the job: the newer instance's checkpoint beats the older instance's savepoint.
    const points = [...flinkRestorePoints(OLD, checkpointsJson({ completed: [7, 's3://cp/old/chk-7', T - 2 * H], savepoint: [8, 's3://sp/old', T - H] })), ...flinkRestorePoints(NEW, checkpointsJson({ completed: [3, 's3://cp/new/chk-3', T] }))]
    assert.deepEqual(chooseRestorePoint({ observed: points }), { path: 's3://cp/new/chk-3', kind: 'checkpoint', completedAt: T, jobId: NEW })
  })

  it('never uses the path the job was started from', () => {
    // The instance was started from a ten-day-old savepoint and failed before its first checkpoint.
    const started = checkpointsJson({ completed: null, savepoint: null, restored: [1, 's3://sp/initial-10-days-old', true] })
    assert.deepEqual(flinkRestorePoints(NEW, started), [])
    assert.equal(chooseRestorePoint({ observed: flinkRestorePoints(NEW, started) }), null)
    // With checkpoints of its own, those count; the start path still does not, however its timestamp looks.
    const running = checkpointsJson({ completed: [5, 's3://cp/new/chk-5', T - H], savepoint: null, restored: [1, 's3://sp/initial-10-days-old', true] })
    assert.deepEqual(flinkRestorePoints(NEW, running).map((p) => p.path), ['s3://cp/new/chk-5'])
    // An explicitly excluded path (a configured initial savepoint, a path that no longer exists) is skipped even when newest.
    assert.equal(chooseRestorePoint({ observed: [cp('s3://cp/chk-5', T - H), sp('s3://sp/initial', T)], exclude: ['s3://sp/initial'] })?.path, 's3://cp/chk-5')
    // Only completed, externally addressable points count.
    const inProgress = { ...checkpointsJson({ completed: [9, 's3://cp/chk-9', T] }) }
    inProgress.latest!.completed!.status = 'IN_PROGRESS'
    assert.deepEqual(flinkRestorePoints(NEW, inProgress), [])
  })

  it('a JobManager failover keeps the newest point remembered', async () => {
    const store = SqliteStore.memory()
    stores.push(store)
    await store.init([restorePointsCollection])
    const memory = storeRestorePointMemory(store)
    const bus = new EventBus()
    const recorder = new RestorePointRecorder({ bus, memory, logger: captureLogger().logger })
    await recorder.start()
    const clock = new FakeClock(T)
    // flinkwatch sees the job checkpointing before the failover.
    bus.publish({
      type: 'fleet.updated',
      cluster: 'prod',
      at: clock.now(),
      jobs: [job('prod', OLD, 'RUNNING', { name: 'orders', checkpoints: { completed: 40, failed: 0, inProgress: 0, intervalMs: 60_000, lastCompleted: { id: 40, completedAt: T, durationMs: 100, sizeBytes: 1, externalPath: 's3://cp/old/chk-40', isSavepoint: false }, lastSavepoint: null, lastFailedAt: null, lastFailureMessage: null } })],
    })
    await recorder.stop()
    assert.deepEqual(await memory.get('prod', 'orders'), cp('s3://cp/old/chk-40', T, OLD))
    // An older point never replaces a newer one.
    await memory.remember('prod', 'orders', cp('s3://cp/old/chk-12', T - 5 * H, OLD))
    assert.equal((await memory.get('prod', 'orders'))?.path, 's3://cp/old/chk-40')
    // After the failover the JobManager forgot the old instance; the recovered one only reports an older checkpoint.
    const observed = flinkRestorePoints(NEW, checkpointsJson({ completed: [12, 's3://cp/old/chk-12', T - 5 * H], restored: [12, 's3://cp/old/chk-12', false] }))
    const best = chooseRestorePoint({ observed, remembered: await memory.get('prod', 'orders') })
    assert.equal(best?.path, 's3://cp/old/chk-40')
    // A remembered point that no longer exists is skipped, not used.
    assert.equal(chooseRestorePoint({ observed, remembered: await memory.get('prod', 'orders'), exclude: ['s3://cp/old/chk-40'] })?.path, 's3://cp/old/chk-12')
  })

  it('no restore point and allowFreshStart false is a clear error; allowFreshStart starts fresh', () => {
    const jobRef = { cluster: 'prod', jobName: 'orders' }
    assert.throws(
      () => requireRestorePoint(chooseRestorePoint({ observed: [] }), false, jobRef),
      (err: Error & { statusCode?: number }) => {
        assert.equal(err.message, noRestorePoint(jobRef).message)
        assert.match(err.message, /^no retained checkpoint or savepoint exists for job "orders" on cluster prod: refusing to start it without state \(.*allowFreshStart/)
        return true
      },
    )
    assert.equal(requireRestorePoint(null, true, jobRef), null)
    const p = cp('s3://cp/chk-1', T)
    assert.equal(requireRestorePoint(p, false, jobRef), p)
  })

  it('asks Flink not to claim the restored snapshot, with the field its version knows', () => {
    assert.deepEqual(restoreModeField('1.20.1'), { claimMode: 'NO_CLAIM' })
    assert.deepEqual(restoreModeField('2.0.0'), { claimMode: 'NO_CLAIM' })
    assert.deepEqual(restoreModeField('1.19.2'), { restoreMode: 'NO_CLAIM' })
    assert.deepEqual(restoreModeField('1.17.0'), { restoreMode: 'NO_CLAIM' })
  })
})
