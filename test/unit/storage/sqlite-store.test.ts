import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { SqliteStore } from '../../../src/storage/sqlite-store.js'
import { storeContract } from '../../contract/store-contract.js'

storeContract('embedded (SQLite)', async () => SqliteStore.open(mkdtempSync(join(tmpdir(), 'fw-store-'))))

it('refuses an unusable data directory with one clear message', () => {
  // A path under a regular file cannot be a directory, even for root.
  const dir = mkdtempSync(join(tmpdir(), 'fw-ro-'))
  writeFileSync(join(dir, 'file'), '')
  assert.throws(() => SqliteStore.open(join(dir, 'file', 'sub')), /storage.path .* is not a writable directory: ENOTDIR/)
})

it('keeps data across reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-store-'))
  const spec = { name: 'k', keywords: ['a'] }
  const s1 = SqliteStore.open(dir)
  await s1.init([spec])
  await s1.write('k', [{ id: '1', timestamp: 1, body: { a: 'x' } }])
  await s1.close()
  const s2 = SqliteStore.open(dir)
  await s2.init([spec])
  assert.equal((await s2.get('k', '1'))?.body['a'], 'x')
  await s2.close()
})

it('refuses a second opener of the same directory with a clear message, and frees it on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-store-'))
  const s1 = SqliteStore.open(dir)
  assert.throws(() => SqliteStore.open(dir), new RegExp(`another flinkwatch process \\(pid ${process.pid}\\) is using the embedded store in .*storage.type elasticsearch`))
  // A reader for tools takes no lock.
  const inspect = SqliteStore.open(dir, { inspect: true })
  await inspect.close()
  await s1.close()
  const s2 = SqliteStore.open(dir)
  await s2.close()
})

it('refuses a second process on the same directory, and the lock dies with the holder (SIGKILL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-store-'))
  const script = `import { SqliteStore } from ${JSON.stringify(new URL('../../../src/storage/sqlite-store.ts', import.meta.url).href)}; SqliteStore.open(${JSON.stringify(dir)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('locked') && resolve())
      child.once('exit', (code) => reject(new Error(`child exited ${String(code)}`)))
    })
    assert.throws(() => SqliteStore.open(dir), new RegExp(`another flinkwatch process \\(pid ${String(child.pid)}\\)`))
  } finally {
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
  }
  const s = SqliteStore.open(dir)
  await s.close()
})

it('writes a large batch in several transactions, letting the event loop run between them, and loses nothing', async () => {
  const store = SqliteStore.memory()
  const spec = { name: 'big', keywords: ['job'], text: ['message'] }
  await store.init([spec])
  const docs = Array.from({ length: 2_100 }, (_, i) => ({ id: `d${i}`, timestamp: 1_000 + i, body: { job: `j${i % 7}`, message: `line ${i}` } }))
  // Counts turns of the event loop: a write done in one synchronous transaction would give none.
  let immediates = 0
  const counting = (): void => {
    immediates++
    if (immediates < 10_000) setImmediate(counting)
  }
  setImmediate(counting)
  const before = immediates
  const r = await store.write('big', docs, 'upsert')
  assert.equal(r.written, 2_100)
  assert.ok(immediates - before >= 4, `other callbacks ran between the chunks (${immediates - before})`)
  const again = await store.write('big', docs.slice(0, 600).map((d) => ({ ...d, body: { ...d.body, message: `changed ${d.id}` } })), 'upsert')
  assert.equal(again.written, 600)
  assert.equal((await store.query('big', { where: { job: 'j3' }, limit: 10_000 })).total, 300)
  assert.equal((await store.query('big', { text: { must: [{ kind: 'term', value: 'changed' }], mustNot: [] }, limit: 10_000 })).docs.length, 600, 'the text index follows each chunk')
  immediates = 10_000
  await store.close()
})
