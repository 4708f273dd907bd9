import { WebSocket } from 'ws'

export type Frame = Record<string, unknown> & { type: string }

/**
 * A `/ws` client that records every frame and lets a test wait for the next
 * frame matching a predicate (armed before the action, bounded by a timeout).
 */
export class WsClient {
  readonly frames: Frame[] = []
  private cursor = 0
  private listeners: Array<() => void> = []
  closed?: { code: number; reason: string }
  readonly socket: WebSocket

  private constructor(socket: WebSocket) {
    this.socket = socket
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame)
      for (const l of this.listeners) l()
    })
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
      for (const l of this.listeners) l()
    })
  }

  static async connect(url: string, cookie?: string, origin?: string): Promise<WsClient> {
    const socket = new WebSocket(url, { headers: cookie === undefined ? {} : { cookie: `user_guid=${cookie}` }, origin })
    const client = new WsClient(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return client
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Next frame (after those already consumed) that matches; consumes up to it. */
  next(match: (f: Frame) => boolean = () => true, timeoutMs = 10_000, what = 'a matching frame'): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        while (this.cursor < this.frames.length) {
          const f = this.frames[this.cursor++] as Frame
          if (match(f)) {
            done()
            resolve(f)
            return true
          }
        }
        if (this.closed !== undefined) {
          done()
          reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out waiting for ${what}; frames: ${this.frames.map((f) => f.type).join(',')}`))
      }, timeoutMs)
      const listener = (): void => {
        check()
      }
      const done = (): void => {
        clearTimeout(timer)
        this.listeners = this.listeners.filter((l) => l !== listener)
      }
      this.listeners.push(listener)
      check()
    })
  }

  nextOfType(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs, `a ${type} frame`)
  }

  /** Consume the handshake (up to `last`, `huggingface_update` by default) and return its frames in order. */
  async handshake(last = 'huggingface_update'): Promise<Frame[]> {
    const frames: Frame[] = []
    for (;;) {
      const f = await this.next()
      frames.push(f)
      if (f.type === last) return frames
    }
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      if (this.closed !== undefined) return resolve(this.closed)
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs)
      this.socket.once('close', (code, reason) => {
        clearTimeout(timer)
        resolve({ code, reason: reason.toString() })
      })
    })
  }

  close(): void {
    this.socket.close()
  }
}
