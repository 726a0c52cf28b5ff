/**
 * One write at a time, and whatever is asked for while a write is under way goes into the next one.
 * A burst of N requests (a storm's incidents each finishing their enrichment at a different moment)
 * is then a few store writes, however slow each is, instead of N writes waiting in a row: the tail of
 * the burst is written one write after it arrived, not N.
 *
 * Requests made in the same tick always share a write (the write starts a microtask later at the
 * earliest). `run` takes what has accumulated when it starts and handles its own errors.
 */
export class SerialWrites {
  private chain: Promise<void> = Promise.resolve()
  private scheduled = false

  constructor(private readonly run: () => Promise<void>) {}

  /** Asks for a write of what has accumulated; a no-op while one is already waiting to start. */
  request(): void {
    if (this.scheduled) return
    this.scheduled = true
    this.chain = this.chain.then(() => {
      this.scheduled = false
      return this.run()
    }).catch(() => undefined)
  }

  /** Resolves once every write asked for so far has ended. */
  async idle(): Promise<void> {
    await new Promise<void>((r) => queueMicrotask(r))
    await this.chain
  }
}
