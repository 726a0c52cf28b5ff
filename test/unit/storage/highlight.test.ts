import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { highlighter } from '../../../src/storage/highlight.js'

describe('highlighter', () => {
  it('marks words and phrases as whole words, in every text it is given', () => {
    const hl = highlighter([
      { kind: 'term', value: 'timeout' },
      { kind: 'phrase', value: 'checkpoint declined' },
    ])
    assert.ok(hl)
    const long = `${'x '.repeat(200)}Checkpoint   declined after timeout`
    // The fragment starts 100 characters before the first match.
    assert.equal(hl(long), `${'x '.repeat(50)}<em>Checkpoint   declined</em> after <em>timeout</em>`)
    // The pattern is shared between texts: a match far into the last one must not hide one early in the next.
    assert.equal(hl('timeout'), '<em>timeout</em>')
    assert.equal(hl('timeouts and no match'), undefined)
    assert.equal(hl(''), undefined)
    assert.equal(hl('a <b> timeout'), 'a &lt;b&gt; <em>timeout</em>')
  })

  it('has nothing to mark without words', () => {
    assert.equal(highlighter([]), undefined)
    assert.equal(highlighter([{ kind: 'term', value: ' --- ' }]), undefined)
  })
})
