import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jobPage } from '../../../src/fleet/job-order.js'
import { emptyJob, type JobSnapshot, type JobState } from '../../../src/model/job.js'

const job = (cluster: string, name: string, jobId: string, state: JobState = 'RUNNING'): JobSnapshot => emptyJob(cluster, jobId, name, state, null)

test('job pages: the fleet changing between pages neither repeats nor skips a job that stayed', () => {
  const fleet = [job('c1', 'b', '2'), job('c1', 'a', '1'), job('c2', 'a', '3'), job('c1', 'c', '4'), job('c2', 'b', '5')]
  const first = jobPage(fleet, 'cluster', 2)
  assert.deepEqual(first.jobs.map((j) => j.jobId), ['1', '2'])
  // Before the next page: a job appears before the cursor, the job right after it goes away.
  const changed = [...fleet.filter((j) => j.jobId !== '4'), job('c1', 'aa', '9')]
  const rest = jobPage(changed, 'cluster', 10, first.nextCursor!)
  assert.deepEqual(rest.jobs.map((j) => j.jobId), ['3', '5'])
  assert.equal(rest.nextCursor, null)
  assert.equal(rest.total, 5)
})

test('job pages: severity order puts failing states first, code-unit order within', () => {
  const fleet = [job('c1', 'b', '1'), job('c1', 'a', '2', 'FAILED'), job('c1', 'B', '3'), job('c2', 'a', '4', 'RESTARTING')]
  assert.deepEqual(jobPage(fleet, 'severity').jobs.map((j) => j.jobId), ['2', '4', '3', '1'])
  assert.deepEqual(jobPage(fleet, 'cluster').jobs.map((j) => j.jobId), ['3', '2', '1', '4'])
})
