import { setMaxListeners } from 'node:events'

/** A signal linked to others and/or a timeout; `clear()` releases the timer and listeners. */
export interface LinkedSignal {
  readonly signal: AbortSignal
  /** True once the timeout (not an input signal) aborted it. */
  readonly timedOut: boolean
  /** Call when the operation ends: drops the timer and the listeners on the inputs. */
  clear(): void
  /** Abort it now (and clear). */
  abort(reason: unknown): void
}

/**
 * A signal that aborts when any of `signals` aborts, or after `timeoutMs`.
 *
 * For per-query paths instead of `AbortSignal.any` / `AbortSignal.timeout`:
 * on Node 20 those cost tens of µs each, and a timeout signal keeps its timer
 * (and everything it holds) alive for the whole timeout even after the query
 * ended — at thousands of queries per second that is most of a router's CPU
 * and garbage (scripts/bench/throughput.ts). Inputs may be long-lived (a
 * component's stop signal) shared by many operations at once, so they get no
 * max-listener warning.
 */
/** Signals already exempted from the max-listener warning (setMaxListeners is not free per call). */
const unlimited = new WeakSet<AbortSignal>()

export function linkSignals(signals: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number): LinkedSignal {
  const controller = new AbortController()
  const listeners: Array<[AbortSignal, () => void]> = []
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  const clear = (): void => {
    clearTimeout(timer)
    timer = undefined
    for (const [s, listener] of listeners) s.removeEventListener('abort', listener)
    listeners.length = 0
  }
  const abort = (reason: unknown): void => {
    clear()
    controller.abort(reason)
  }
  for (const s of signals) {
    if (s === undefined) continue
    if (s.aborted) {
      abort(s.reason)
      break
    }
    const listener = (): void => abort(s.reason)
    if (!unlimited.has(s)) {
      setMaxListeners(Number.POSITIVE_INFINITY, s)
      unlimited.add(s)
    }
    s.addEventListener('abort', listener, { once: true })
    listeners.push([s, listener])
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(() => {
      timedOut = true
      abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    }, timeoutMs)
    // Like AbortSignal.timeout: a pending timeout does not keep the process alive.
    timer.unref()
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut
    },
    clear,
    abort
  }
}
