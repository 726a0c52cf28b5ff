import assert from 'node:assert/strict'
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
