/**
 * Advert sequence numbers: max(last + 1, unix ms). They grow across restarts
 * without storing anything, as long as the clock does not jump back.
 */
export class SequenceSource {
  private last = 0n
  constructor(private readonly now: () => number = Date.now) {}

  next(): bigint {
    const ms = BigInt(Math.floor(this.now()))
    this.last = ms > this.last ? ms : this.last + 1n
    return this.last
  }
}
