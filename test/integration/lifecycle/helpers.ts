/** Shared set-up for the lifecycle integration tests: a test job with its topics, a flinkwatch watching the stack's Flink. */
import { STACK, createTopic, getJson, submitTestJob, testJobArgs, uniqueId, uploadTestJar, waitFor, type TestJobOptions } from '../../helpers/stack.js'
import { startService, testConfig, type RunningService } from '../../helpers/service.js'
import type { FlinkwatchConfig } from '../../../src/config/schema.js'

export interface TestJob extends TestJobOptions {
  jobId: string
  extraArgs: string[]
}

export async function startTestJob(prefix: string, extraArgs: string[] = []): Promise<TestJob> {
  const name = uniqueId(prefix)
  const o = { name, input: `${name}-in`, output: `${name}-out` }
  await createTopic(o.input)
  await createTopic(o.output)
  const jobId = extraArgs.length === 0 ? await submitTestJob(o) : await submitWithArgs(o, extraArgs)
  return { ...o, jobId, extraArgs }
}

async function submitWithArgs(o: TestJobOptions, extra: string[]): Promise<string> {
  const jarId = await uploadTestJar()
  const r = await getJson<{ jobid: string }>(`${STACK.flink}/jars/${jarId}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ programArgsList: [...testJobArgs(o), ...extra], parallelism: 1 }) })
  return r.jobid
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The resubmission policy for the test job: the same arguments, as the "fixed" version that skips the poison record unless `poison` says otherwise. */
export function policyFor(job: TestJob, poison: 'skip' | 'fail' = 'skip', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: escapeRegex(job.name), jarPath: STACK.testJobJar, args: [...testJobArgs(job), ...job.extraArgs, '--poison', poison], ...extra }
}

export function flinkwatchConfig(policy: Record<string, unknown>, autoRestart: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): FlinkwatchConfig {
  return testConfig({
    clusters: [{ id: 'local', type: 'flink', url: STACK.flink, pollInterval: '1s', checkpointInterval: '1s', metricsInterval: '5s' }],
    autoRestart: {
      enabled: true,
      maxAttempts: 3,
      window: '1h',
      backoff: '1s',
      ...autoRestart,
      jobs: [policy],
    },
    ...extra,
  })
}

export async function start(config: FlinkwatchConfig): Promise<RunningService> {
  return startService(config)
}

interface Overview {
  jobs: { jid: string; name: string; state: string; 'start-time': number; 'end-time': number }[]
}

export async function instances(name: string): Promise<Overview['jobs']> {
  const r = await getJson<Overview>(`${STACK.flink}/jobs/overview`)
  return r.jobs.filter((j) => j.name === name).sort((a, b) => a['start-time'] - b['start-time'])
}

/** Waits for an instance of `name` other than `exclude` to be RUNNING; returns it with its RUNNING timestamp. */
export async function waitForNewRunning(name: string, exclude: readonly string[], timeoutMs = 120_000): Promise<{ jid: string; runningAt: number }> {
  return waitFor(`a new RUNNING instance of ${name}`, async () => {
    const j = (await instances(name)).find((i) => !exclude.includes(i.jid) && i.state === 'RUNNING')
    if (!j) return undefined
    const d = await getJson<{ timestamps: Record<string, number> }>(`${STACK.flink}/jobs/${j.jid}`)
    return { jid: j.jid, runningAt: d.timestamps['RUNNING'] ?? Date.now() }
  }, timeoutMs, 200)
}

export async function waitForFailed(jobId: string, timeoutMs = 90_000): Promise<number> {
  return waitFor(`job ${jobId} FAILED`, async () => {
    const d = await getJson<{ state: string; 'end-time': number }>(`${STACK.flink}/jobs/${jobId}`)
    return d.state === 'FAILED' ? d['end-time'] : undefined
  }, timeoutMs, 200)
}

/** The newest completed checkpoint id, waiting for one newer than `after`. */
export async function checkpointAfter(jobId: string, after: number, timeoutMs = 60_000): Promise<{ id: number; external_path: string }> {
  return waitFor(`a checkpoint of ${jobId} after ${after}`, async () => {
    const r = await getJson<{ latest?: { completed?: { id: number; external_path: string } | null } }>(`${STACK.flink}/jobs/${jobId}/checkpoints`)
    const c = r.latest?.completed
    return c && c.id > after ? c : undefined
  }, timeoutMs)
}

export function countsFor(values: readonly string[], key: string): number[] {
  return values.filter((v) => v.startsWith(`${key},`)).map((v) => Number(v.split(',')[1]))
}
