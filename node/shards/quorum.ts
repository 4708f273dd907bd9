import type { PeerId } from '@libp2p/interface'

export interface Gathered<T> {
  results: Array<{ peer: PeerId; value: T }>
  failures: Array<{ peer: PeerId; error: Error }>
}

/**
 * Call `first` concurrently; each failure starts the next of `rest`. Resolves
 * as soon as `needed` calls succeeded (the others run on and are ignored), or
 * when no call is left, with whatever succeeded — the caller decides whether
 * that is a quorum.
 */
export function gather<T>(first: PeerId[], rest: PeerId[], needed: number, call: (peer: PeerId) => Promise<T>): Promise<Gathered<T>> {
  return new Promise((resolve) => {
    const out: Gathered<T> = { results: [], failures: [] }
    const spare = [...rest]
    let running = 0
    let settled = false
    const finish = (): void => {
      if (settled) return
      settled = true
      resolve({ results: [...out.results], failures: [...out.failures] })
    }
    // Keep enough calls running to still reach `needed`; stop when it is reached or nothing is left.
    const step = (): void => {
      if (settled) return
      if (out.results.length >= needed) {
        finish()
        return
      }
      while (running < needed - out.results.length && spare.length > 0) start(spare.shift() as PeerId)
      if (running === 0) finish()
    }
    const start = (peer: PeerId): void => {
      running++
      Promise.resolve()
        .then(() => call(peer))
        .then(
          (value) => {
            running--
            out.results.push({ peer, value })
            step()
          },
          (error: Error) => {
            running--
            out.failures.push({ peer, error })
            step()
          }
        )
    }
    if (needed <= 0) {
      finish()
      return
    }
    for (const peer of first) start(peer)
    step()
  })
}
