import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { kafkaLogId, kafkaLogOrigin } from '../../../../collectors/kafka-logs/record-id.js'

describe('Kafka log record ids', () => {
  it('are the same for the same record and differ by topic, partition and offset', () => {
    const id = kafkaLogId('flink-logs', 2, '12345')
    assert.equal(kafkaLogId('flink-logs', 2, '12345'), id)
    assert.match(id, /^k[-0-9A-Z_a-z]{20}$/)
    const others = [kafkaLogId('flink-logs-2', 2, '12345'), kafkaLogId('flink-logs', 3, '12345'), kafkaLogId('flink-logs', 2, '12346'), kafkaLogId('flink-logz', 2, '12345')]
    assert.equal(new Set([id, ...others]).size, 5)
  })

  it('sort in offset order within a partition', () => {
    const offsets = [0, 1, 9, 10, 63, 64, 255, 256, 4095, 4096, 65535, 65536, 999_999, 1_000_000, 2 ** 32, 2 ** 40 + 7, 2 ** 48 - 1]
    const ids = offsets.map((o) => kafkaLogId('t', 0, String(o)))
    assert.deepEqual([...ids].sort(), ids, 'string order is offset order')
    // Elasticsearch sorts keywords by UTF-8 bytes: the same order here (ASCII only).
    assert.deepEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), ids)
  })

  it('fall back to the spelled-out form for offsets or partitions too large to encode', () => {
    assert.equal(kafkaLogId('t', 0, String(2 ** 48)), `k-t-0-${String(2 ** 48).padStart(20, '0')}`)
    assert.equal(kafkaLogId('t', 2 ** 24, '5'), 'k-t-16777216-00000000000000000005')
    assert.equal(kafkaLogId('t', 0, '9223372036854775807'), 'k-t-0-09223372036854775807')
    assert.notEqual(kafkaLogId('t', 0, String(2 ** 48 - 1)).length, kafkaLogId('t', 0, String(2 ** 48)).length)
  })

  it('keep the readable origin', () => {
    assert.equal(kafkaLogOrigin('flink-logs', 2, '12345'), 'kafka:flink-logs/2/12345')
  })
})
