import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StreamHub, type StreamMessage, type StreamSink } from '../../../src/stream/stream-hub.js'

class Sink implements StreamSink {
  bufferedAmount = 0
  frames: { topic: string; type: string; data: unknown }[] = []
  send(data: string): void {
    this.frames.push(JSON.parse(data) as StreamMessage)
  }
}

function hubWithTopic() {
  const hub = new StreamHub()
  const subscribers = new Set<(m: StreamMessage) => void>()
  hub.register({
    name: 'jobs',
    subscribe(params, push) {
      if (params['state'] === 'bogus') throw new Error('bad state filter')
      subscribers.add(push)
      return () => subscribers.delete(push)
    },
  })
  const publish = (n: number) => subscribers.forEach((push) => push({ topic: 'jobs', type: 'transition', data: { n } }))
  return { hub, subscribers, publish }
}

describe('StreamHub', () => {
  it('delivers messages of the requested topics and detaches cleanly', () => {
    const { hub, subscribers, publish } = hubWithTopic()
    const sink = new Sink()
    const detach = hub.attach(sink, { topics: 'jobs' }, 1000)
    publish(1)
    assert.deepEqual(sink.frames, [{ topic: 'jobs', type: 'transition', data: { n: 1 } }])
    detach()
    assert.equal(subscribers.size, 0)
  })

  it('rejects missing and unknown topics with a message naming the known ones', () => {
    const { hub } = hubWithTopic()
    assert.throws(() => hub.attach(new Sink(), {}, 1000), /topics is required \(one or more of jobs\)/)
    assert.throws(() => hub.attach(new Sink(), { topics: 'jobs,nope' }, 1000), /unknown topic nope/)
  })

  it('tells a slow client how many messages it missed instead of buffering without bound', () => {
    const { hub, publish } = hubWithTopic()
    const sink = new Sink()
    let dropped = 0
    hub.attach(sink, { topics: 'jobs' }, 100, (n) => (dropped += n))
    sink.bufferedAmount = 500
    publish(1)
    publish(2)
    publish(3)
    assert.equal(sink.frames.length, 0)
    sink.bufferedAmount = 0
    publish(4)
    assert.deepEqual(sink.frames, [
      { topic: 'jobs', type: 'missed', data: { count: 3 } },
      { topic: 'jobs', type: 'transition', data: { n: 4 } },
    ])
    assert.equal(dropped, 3)
  })

  it('undoes earlier subscriptions when a later topic refuses the parameters', () => {
    const hub = new StreamHub()
    let active = 0
    hub.register({ name: 'a', subscribe: () => (active++, () => active--) })
    hub.register({ name: 'b', subscribe: () => { throw new Error('bad filter') } })
    assert.throws(() => hub.attach(new Sink(), { topics: 'a,b' }, 10), /bad filter/)
    assert.equal(active, 0)
  })
})
