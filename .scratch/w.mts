import { spawn } from 'node:child_process'
import { createFlinkCollector } from '/work/main/platforms/flink/flink-collector.ts'
import { systemClock } from '/work/main/src/core/clock.ts'
const fake = spawn('node', ['--import', 'tsx', 'test/bench/fake-jobmanager.ts', '--clusters', '2', '--jobs', '100'], { stdio: ['ignore', 'pipe', 'inherit'] })
const port: number = await new Promise((r) => fake.stdout.once('data', (d) => r(JSON.parse(String(d)).port)))
const c = createFlinkCollector({ id: 'c0', type: 'flink', url: `http://127.0.0.1:${port}/c0`, pollInterval: 10000, watchInterval: 2000, requestTimeout: 5000, downAfter: 3, concurrency: 4, checkpointInterval: 60000, metricsInterval: 60000, enabled: true }, { clock: systemClock })
const s = new AbortController().signal
for (let i = 0; i < 4; i++) { const snap = await c.collect(s); console.log('poll', snap.jobs.length, snap.requests, JSON.stringify(await c.changed!(s))) }
fake.kill()
