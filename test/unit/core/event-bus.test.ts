import assert from 'node:assert/strict'
import { it } from 'node:test'
import { EventBus } from '../../../src/core/event-bus.js'
import type { ServiceEvent } from '../../../src/model/events.js'

it('EventBus: fans out by type and to wildcard listeners; a throwing listener does not stop others', () => {
  const errors: unknown[] = []
  const bus = new EventBus((err) => errors.push(err))
  const seen: string[] = []
  bus.subscribe('cluster.incident', () => {
    throw new Error('listener bug')
  })
  const off = bus.subscribe('cluster.incident', (e) => seen.push(`typed:${e.incident.subject}`))
  bus.subscribe('*', (e) => seen.push(`any:${e.type}`))
  const event: ServiceEvent = { type: 'cluster.incident', incident: { kind: 'taskmanager-lost', cluster: 'c', subject: 'tm-1', message: 'gone', at: 1 } }
  bus.publish(event)
  off()
  bus.publish(event)
  assert.deepEqual(seen, ['typed:tm-1', 'any:cluster.incident', 'any:cluster.incident'])
  assert.equal(errors.length, 2)
})
