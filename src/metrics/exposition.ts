/**
 * The `/metrics` body as one Buffer, written in place rather than built as strings.
 *
 * `registry.metrics()` returns one string: for 10,000 jobs (~155,000 lines, 14–20 MB) every family's
 * block, the family joined with its HELP/TYPE lines, the joined whole, and the UTF-8 copy sent on the
 * socket are each a 1–20 MB flat string or buffer. Strings that big go straight to V8's large-object
 * space, i.e. the old generation: three or four of them per scrape were a large part of what made
 * the heap grow to 200–500 MB between full GCs while the live heap stayed ~50–60 MB. Here families
 * that can write their own lines (the job families of the fleet exporter) append them to small
 * pending strings that are copied into one growing Buffer every 16 K characters; the young generation
 * collects the small strings, and the Buffer is off-heap and sized from the previous scrape.
 * Other metrics go through prom-client (`getSingleMetricAsString`), which writes them exactly as
 * `registry.metrics()` does. The text is byte for byte what `registry.metrics()` returns.
 */
import { Registry } from 'prom-client'
import { grown, utf8Fits } from '../core/utf8-buffer.js'

/** Appends text to the exposition being written. */
export interface TextOut {
  write(text: string): void
}

/** A metric that writes its whole block itself: `# HELP`, `# TYPE` and its lines, no trailing newline. */
export type BlockWriter = (out: TextOut) => void

const writers = new WeakMap<object, BlockWriter>()
/** Last body size per registry, so the next Buffer is allocated once at about the right size. */
const lastSize = new WeakMap<Registry, number>()

/** Lets `metric` (registered on a registry) write its block directly when the exposition is rendered. */
export function setBlockWriter(metric: object, writer: BlockWriter): void {
  writers.set(metric, writer)
}

/** `# HELP` text escaping as prom-client does it (backslash and newline). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

class BufferOut implements TextOut {
  private buf: Buffer
  private len = 0
  private pending = ''

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  write(text: string): void {
    this.pending += text
    if (this.pending.length >= 16_384) this.flush()
  }

  flush(): void {
    const text = this.pending
    if (text.length === 0) return
    this.pending = ''
    if (!utf8Fits(this.buf, this.len, text)) this.buf = grown(this.buf, this.len, Buffer.byteLength(text, 'utf8'))
    this.len += this.buf.write(text, this.len, 'utf8')
  }

  result(): Buffer {
    this.flush()
    return this.buf.subarray(0, this.len)
  }
}

/** The registry's exposition (what `registry.metrics()` returns), as UTF-8 bytes. */
export async function renderExposition(registry: Registry): Promise<Buffer> {
  const defaults = (registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels
  // Default labels are merged into every series by prom-client, and OpenMetrics renames counters: both
  // are prom-client's job.
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE || Object.keys(defaults ?? {}).length > 0) return Buffer.from(await registry.metrics(), 'utf8')
  const out = new BufferOut(Math.max(65_536, Math.ceil((lastSize.get(registry) ?? 0) * 1.1)))
  let first = true
  for (const metric of registry.getMetricsAsArray()) {
    if (!first) out.write('\n\n')
    first = false
    const writer = writers.get(metric)
    if (writer) writer(out)
    else out.write(await registry.getSingleMetricAsString(metric.name))
  }
  out.write('\n')
  const body = out.result()
  lastSize.set(registry, body.length)
  return body
}
