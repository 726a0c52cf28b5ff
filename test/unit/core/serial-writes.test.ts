import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SerialWrites } from '../../../src/core/serial-writes.js'

/** A write that ends when the test says so, recording what each write took. */
function harness() {
  const buffer: number[] = []
  const writes: number[][] = []
  const ends: (() => void)[] = []
  const w = new SerialWrites(async () => {
    const batch = buffer.splice(0)
    writes.push(batch)
    await new Promise<void>((r) => ends.push(r))
  })
  const add = (n: number): void => {
    buffer.push(n)
    w.request()
  }
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r))
  return { w, add, writes, ends, tick }
}

describe('serial writes', () => {
  it('writes what one tick asked for together', async () => {
    const h = harness()
    h.add(1)
    h.add(2)
    h.add(3)
    await h.tick()
    assert.deepEqual(h.writes, [[1, 2, 3]])
  })

  it('puts everything asked for during a write into the next one, and never runs two at once', async () => {
    const h = harness()
    h.add(1)
    await h.tick()
    for (let i = 2; i <= 100; i++) {
      h.add(i)
      await h.tick()
    }
    assert.equal(h.writes.length, 1, 'the second write waits for the first')
    h.ends.shift()!()
    await h.tick()
    assert.equal(h.writes.length, 2)
    assert.deepEqual(h.writes[1], Array.from({ length: 99 }, (_, i) => i + 2))
    h.ends.shift()!()
    await h.tick()
    assert.equal(h.writes.length, 2, 'nothing was left to write')
  })

  it('idle waits for the writes asked for so far, and a failed write does not stop the next', async () => {
    const buffer: number[] = []
    const seen: number[][] = []
    let fail = true
    const w = new SerialWrites(async () => {
      seen.push(buffer.splice(0))
      if (fail) {
        fail = false
        throw new Error('store down')
      }
    })
    buffer.push(1)
    w.request()
    await w.idle()
    buffer.push(2)
    w.request()
    await w.idle()
    assert.deepEqual(seen, [[1], [2]])
  })
})
