import { toHex } from './keys.js'

/** Locks one responder holds at most; more concurrent claims are answered BUSY. */
export const MAX_LOCKS = 10_000

export type LockOutcome = 'granted' | 'busy'

/**
 * Short leases on record keys, held in memory by a responder (LOCK/UNLOCK).
 * A claimant that gets a lease from a majority of a key's owners is the only
 * one that may commit its claim until the leases expire.
 */
export class LockTable {
  private readonly locks = new Map<string, { token: string; expires: number }>()

  constructor(private readonly now: () => number = Date.now) {}

  acquire(key: Uint8Array, token: Uint8Array, ttlMs: number): LockOutcome {
    const hex = toHex(key)
    const holder = toHex(token)
    const now = this.now()
    const current = this.locks.get(hex)
    if (current !== undefined && current.expires > now && current.token !== holder) return 'busy'
    if (current === undefined && this.locks.size >= MAX_LOCKS) {
      this.sweep(now)
      if (this.locks.size >= MAX_LOCKS) return 'busy'
    }
    this.locks.set(hex, { token: holder, expires: now + ttlMs })
    return 'granted'
  }

  release(key: Uint8Array, token: Uint8Array): void {
    const hex = toHex(key)
    if (this.locks.get(hex)?.token === toHex(token)) this.locks.delete(hex)
  }

  get size(): number {
    return this.locks.size
  }

  private sweep(now: number): void {
    for (const [hex, lock] of this.locks) if (lock.expires <= now) this.locks.delete(hex)
  }
}
