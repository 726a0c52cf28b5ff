const strict = new TextDecoder('utf-8', { fatal: true })
const lossy = new TextDecoder('utf-8', { fatal: false })

/** Decodes UTF-8; invalid sequences become U+FFFD and are reported, so the line is kept rather than lost. */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: strict.decode(bytes), valid: true }
  } catch {
    return { text: lossy.decode(bytes), valid: false }
  }
}

/**
 * Binary payloads (compressed blobs, Avro, protobuf sent to the wrong topic) are not log lines:
 * any NUL byte, or more than 10% C0 control characters other than tab/newline/CR/ESC.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096)
  let control = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if (b === 0) return true
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) control++
  }
  return n > 0 && control / n > 0.1
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Cuts to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): { text: string; cut: boolean } {
  if (s.length <= maxBytes / 3) return { text: s, cut: false }
  const b = Buffer.from(s, 'utf8')
  if (b.length <= maxBytes) return { text: s, cut: false }
  let end = Math.max(0, maxBytes)
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--
  return { text: b.subarray(0, end).toString('utf8'), cut: true }
}
