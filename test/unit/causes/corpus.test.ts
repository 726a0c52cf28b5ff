import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isFresh, isHeldOut, loadCorpus } from '../../helpers/failure-corpus.js'

const { entries, invalid } = loadCorpus()

test('corpus: every file is a valid entry', () => {
  assert.deepEqual(invalid, [])
  assert.ok(entries.length > 150, String(entries.length))
  for (const e of entries) assert.match(e.id, /^[a-z0-9-]+$/, e.id)
})

test('corpus: fresh entries (gathered after the rules were frozen) never reuse a page the rules were written from', () => {
  const fresh = entries.filter((e) => isFresh(e.id))
  assert.ok(fresh.length >= 20, String(fresh.length))
  const frozenSources = new Set(entries.filter((e) => !isFresh(e.id)).map((e) => e.source))
  for (const e of fresh) {
    assert.ok(!frozenSources.has(e.source), `${e.id} reuses ${e.source}`)
    assert.match(e.source, /^https?:\/\//, e.id)
    assert.ok((e.note ?? '').length > 20, `${e.id} needs a note`)
  }
  assert.equal(new Set(fresh.map((e) => e.source)).size, fresh.length, 'one fresh entry per page')
})

test('corpus: isFresh goes by the id prefix of the current round only, independent of the held-out hash', () => {
  assert.equal(isFresh('fresh7-gh-x-1'), true)
  for (const earlier of ['fresh-gh-x-1', 'fresh2-gh-x-1', 'fresh3-gh-x-1', 'fresh4-gh-x-1', 'fresh5-gh-x-1', 'fresh6-gh-x-1']) assert.equal(isFresh(earlier), false, `${earlier}: earlier rounds joined the frozen corpus once scored`)
  assert.equal(isFresh('gh-fresh7-x-1'), false)
  assert.equal(typeof isHeldOut('fresh7-gh-x-1'), 'boolean')
})
