/**
 * Writing text into Buffers that are reused or grown (the /metrics body, log bulk bodies and slabs), without
 * measuring every string: a UTF-16 code unit is at most 3 bytes of UTF-8, so the exact count is needed only
 * when that bound does not fit.
 */

/** Whether `text` as UTF-8 fits in `buf` after its first `used` bytes. */
export function utf8Fits(buf: Buffer, used: number, text: string): boolean {
  const room = buf.length - used
  return room >= text.length * 3 || room >= Buffer.byteLength(text, 'utf8')
}

/** A larger Buffer holding the first `used` bytes of `buf`, with room for `need` more (at least twice the size). */
export function grown(buf: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, used + need))
  buf.copy(next, 0, 0, used)
  return next
}
