// Node 20 lacks two things the libp2p 3 stack uses at run time:
// `Promise.withResolvers` (Node 22+) and a global `WebSocket` (needed by the
// @libp2p/websockets dialer). This module must be imported before anything
// from libp2p in every entry point (CLI, tests, benchmarks).
import { WebSocket as WsWebSocket } from 'ws'

interface WithResolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor): WithResolvers<T> {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new this<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    }
  })
}

if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
  ;(globalThis as { WebSocket?: unknown }).WebSocket = WsWebSocket
}
