import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'

type Sub<V> = AbstractSublevel<Level<string, unknown>, string | Buffer | Uint8Array, string, V>

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * Group commit for small puts to one LevelDB: puts made while a batch is being
 * written share the next batch, so under load many queries' bookkeeping (a
 * user's counter, the node's directory entry and totals) costs a few native
 * calls instead of one put each (scripts/bench/ws.ts). Each put resolves once
 * its batch is written; batches are written one at a time, in order, and a
 * key put twice while queued is written once with the later value, so the last
 * put of a key wins as with plain puts.
 */
export class GroupWriter {
  /** Queued puts by sublevel and key: a later put of a queued key replaces its value (one write, the last value). */
  private ops = new Map<string, { type: 'put'; sublevel: unknown; key: string; value: unknown }>()
  private waiters: Waiter[] = []
  private writing = false

  constructor(private readonly db: Level<string, unknown>) {}

  put<V>(sublevel: Sub<V>, key: string, value: V): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ops.set(`${sublevel.prefix}${key}`, { type: 'put', sublevel, key, value })
      this.waiters.push({ resolve, reject })
      this.flush()
    })
  }

  private flush(): void {
    if (this.writing || this.ops.size === 0) return
    this.writing = true
    const ops = [...this.ops.values()]
    const waiters = this.waiters
    this.ops = new Map()
    this.waiters = []
    this.db
      .batch(ops as never)
      .then(
        () => {
          for (const w of waiters) w.resolve()
        },
        (err: Error) => {
          for (const w of waiters) w.reject(err)
        }
      )
      .finally(() => {
        this.writing = false
        this.flush()
      })
  }
}
