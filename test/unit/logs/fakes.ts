import { AppError } from '../../../src/core/errors.js'
import type { NewDoc, Store, WriteMode, WriteResult } from '../../../src/storage/store.js'

/** Wraps a real store; a test decides per call whether write() fails whole or per document. */
export class FailingStore {
  readonly calls: { collection: string; ids: string[] }[] = []
  /** Next n writes throw a retriable (or given) error. */
  failNext = 0
  failWith: () => Error = () => new AppError('ERR_STORE_UNAVAILABLE', 'store unavailable (test)', { retriable: true })
  /** Per-document refusals: id → [reason, retriable]; retriable ones are removed after firing once. */
  readonly refuse = new Map<string, [string, boolean]>()
  /** Resolvers for writes held until the test releases them. */
  hold = false
  private readonly held: (() => void)[] = []

  constructor(readonly inner: Store) {}

  release(): void {
    this.held.splice(0).forEach((r) => r())
  }

  get heldCount(): number {
    return this.held.length
  }

  asStore(): Store {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop === 'write') return (c: string, docs: readonly NewDoc[], mode?: WriteMode) => this.write(c, docs, mode)
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
  }

  private async write(collection: string, docs: readonly NewDoc[], mode?: WriteMode): Promise<WriteResult> {
    this.calls.push({ collection, ids: docs.map((d) => d.id) })
    if (this.hold) await new Promise<void>((r) => this.held.push(r))
    if (this.failNext > 0) {
      this.failNext--
      throw this.failWith()
    }
    const failed: WriteResult['failed'] = []
    const ok = docs.filter((d) => {
      const r = collection === 'logs' ? this.refuse.get(d.id) : undefined
      if (!r) return true
      failed.push({ id: d.id, reason: r[0], retriable: r[1] })
      if (r[1]) this.refuse.delete(d.id)
      return false
    })
    const res = await this.inner.write(collection, ok, mode)
    return { ...res, failed: [...res.failed, ...failed] }
  }
}
