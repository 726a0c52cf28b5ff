import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { grown, utf8Fits } from '../../../src/core/utf8-buffer.js'

describe('utf8Fits and grown', () => {
  it('counts UTF-8 bytes exactly when the 3-bytes-per-unit bound does not fit', () => {
    const buf = Buffer.alloc(10)
    assert.equal(utf8Fits(buf, 5, 'abcde'), true)
    assert.equal(utf8Fits(buf, 5, 'abcdef'), false)
    // 'éé' is 4 bytes (bound 6): fits in 5; 'ééé' is 6 bytes: does not.
    assert.equal(utf8Fits(buf, 5, 'éé'), true)
    assert.equal(utf8Fits(buf, 5, 'ééé'), false)
    // An astral character is two units and 4 bytes.
    assert.equal(utf8Fits(buf, 6, '😀'), true)
    assert.equal(utf8Fits(buf, 7, '😀'), false)
  })

  it('grows to at least twice the size, keeping the bytes written so far', () => {
    const buf = Buffer.from('hello world')
    const next = grown(buf, 5, 3)
    assert.equal(next.length, 22)
    assert.equal(next.subarray(0, 5).toString(), 'hello')
    assert.equal(grown(buf, 11, 100).length, 111)
  })
})
