/** Bits of a hybrid logical clock value that hold the logical counter. */
const LOGICAL_BITS = 16n

/** Values further ahead of our wall clock than this are not adopted (a broken or hostile peer). */
export const HLC_MAX_DRIFT_MS = 24 * 60 * 60 * 1000

/**
 * A hybrid logical clock packed into one unsigned 64-bit value:
 * `(wall-clock ms << 16) + logical counter`. Values only grow, stay close to
 * wall-clock time, and move past every value this node has observed, so a
 * write made after seeing another one always wins last-writer-wins — whatever
 * the machines' clocks say.
 */
export class HybridClock {
  private last = 0n

  constructor(private readonly wallClock: () => number = Date.now) {}

  now(): bigint {
    const physical = BigInt(Math.max(0, Math.floor(this.wallClock()))) << LOGICAL_BITS
    this.last = physical > this.last ? physical : this.last + 1n
    return this.last
  }

  /** Move past a value seen from another node. */
  observe(value: bigint): void {
    if (value <= this.last) return
    const limit = BigInt(Math.floor(this.wallClock()) + HLC_MAX_DRIFT_MS) << LOGICAL_BITS
    if (value <= limit) this.last = value
  }
}

/** Wall-clock milliseconds of an HLC value. */
export function hlcMillis(value: bigint): number {
  return Number(value >> LOGICAL_BITS)
}
