import { createRequire } from 'node:module'
import { decompress as zstdDecompress } from 'fzstd'

/**
 * kafkajs reads only gzip and uncompressed record batches; Flink's Kafka appender is often set to lz4, snappy
 * or zstd, and then every fetch of such a partition fails with KafkaJSNotImplemented. flinkwatch only consumes,
 * so these codecs decompress (pure JavaScript, no native build):
 *   LZ4     lz4js: Kafka (record batch v2) writes standard LZ4 frames;
 *   Snappy  kafkajs-snappy (snappyjs): raw snappy and the xerial framing Java producers use;
 *   ZSTD    fzstd: zstd frames, with or without the content size.
 * Compressing is not needed and throws a clear error.
 */

const require = createRequire(import.meta.url)
// kafkajs is CommonJS and these two exports are not visible to ESM named imports.
const { CompressionCodecs, CompressionTypes } = require('kafkajs') as typeof import('kafkajs')
const lz4 = require('lz4js') as { decompress(src: Uint8Array, maxSize?: number): Uint8Array | number[] }
const snappyCodec = require('kafkajs-snappy') as () => { decompress(buffer: Buffer): Promise<Buffer | Uint8Array> }

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

function asBuffer(out: Uint8Array | number[]): Buffer {
  if (Buffer.isBuffer(out)) return out
  return out instanceof Uint8Array ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : Buffer.from(out)
}

function readOnly(name: string, decompress: (buffer: Buffer) => Buffer | Promise<Buffer>): () => Codec {
  const codec: Codec = {
    compress: () => Promise.reject(new Error(`flinkwatch only consumes: ${name} compression is not available for producing`)),
    decompress: async (buffer) => {
      try {
        return await decompress(buffer)
      } catch (err) {
        throw new Error(`${name} record batch could not be decompressed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
    },
  }
  return () => codec
}

let registered = false

/** Registers the LZ4, Snappy and ZSTD decompressors with kafkajs (process-wide, idempotent). */
export function registerKafkaCodecs(): void {
  if (registered) return
  registered = true
  const snappy = snappyCodec()
  const codecs = CompressionCodecs as Record<number, () => Codec>
  codecs[CompressionTypes.LZ4] = readOnly('LZ4', (b) => asBuffer(lz4.decompress(b)))
  codecs[CompressionTypes.Snappy] = readOnly('Snappy', async (b) => asBuffer(await snappy.decompress(b)))
  codecs[CompressionTypes.ZSTD] = readOnly('ZSTD', (b) => asBuffer(zstdDecompress(b)))
}
