import type { WebSocket } from 'ws'

/**
 * Token bucket: `burst` messages at once, refilled at `ratePerSecond`. A rate
 * of 0 means unlimited.
 */
export class MessageRateLimiter {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance)
  ) {
    this.tokens = burst
    this.last = now()
  }

  take(): boolean {
    if (this.ratePerSecond <= 0) return true
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond)
    this.last = t
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** Reasons for the close codes `ws` sends on its own (it sends them without one). */
const CLOSE_REASONS: Record<number, (maxPayload: number) => string> = {
  1002: () => 'Protocol error',
  1007: () => 'Invalid UTF-8 in a text frame',
  1009: (max) => `Message too big: the limit is ${max} bytes`
}

/**
 * `ws` closes a socket whose frame is over `maxPayload` (1009) or malformed
 * (1002, 1007) with an empty reason. Give those closes a reason a client can show.
 */
export function withCloseReasons(socket: WebSocket, maxPayload: number): void {
  const close = socket.close.bind(socket)
  socket.close = (code?: number, reason?: string | Buffer) => {
    const explain = code === undefined || reason !== undefined ? undefined : CLOSE_REASONS[code]
    close(code, explain === undefined ? reason : explain(maxPayload))
  }
}
