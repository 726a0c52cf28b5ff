/** Fake generic webhook receiver (Alertmanager v4 JSON) and SMS gateway: record and answer 200. */
import { FakeReceiver, type Received, type Reply } from './receiver.js'

export class FakeHttpReceiver extends FakeReceiver {
  constructor(now?: () => number, limits: { limit: number; ms: number }[] = []) {
    super(limits, now)
  }

  protected handle(r: Received): Reply {
    if (this.overLimit(r.at)) {
      this.throttled++
      return { status: 429, body: { error: 'too many requests' }, headers: { 'retry-after': '1' } }
    }
    this.delivered.push(r)
    return { status: 200, body: { code: 'OK' } }
  }
}
