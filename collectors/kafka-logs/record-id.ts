/**
 * A Kafka log record's document id: derived from where it was read, so a redelivery (after a crash or a
 * rebalance) is the same document. The offset is zero-padded so the ids of one partition sort in offset order
 * (context lines within one millisecond).
 */
export function kafkaLogId(topic: string, partition: number, offset: string): string {
  return `k-${topic}-${partition}-${offset.padStart(20, '0')}`
}

/** The record's human-readable origin, kept with the document. */
export function kafkaLogOrigin(topic: string, partition: number, offset: string): string {
  return `kafka:${topic}/${partition}/${offset}`
}
