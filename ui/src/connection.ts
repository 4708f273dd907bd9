// The page's one `/ws` connection: legacy JSON frames, reconnecting with
// exponential back-off (1 s → 30 s, reset once connected) when the node goes
// away, and at once when the tab becomes visible or the network comes back.

export type Frame = { type: string } & Record<string, unknown>
export type ConnectionState = 'connecting' | 'open' | 'waiting'

export const RECONNECT_MIN_MS = 1_000
export const RECONNECT_MAX_MS = 30_000
/** Legacy client heartbeat. */
export const HEARTBEAT_MS = 25_000

type FrameHandler = (frame: Frame) => void

export class Connection {
  state: ConnectionState = 'connecting'
  /** When the next attempt is due (state `waiting`). */
  retryAt = 0
  private socket: WebSocket | undefined
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private readonly handlers = new Map<string, FrameHandler[]>()
  private readonly stateHandlers: Array<(state: ConnectionState) => void> = []

  constructor(private readonly url: string) {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow()
    })
    window.addEventListener('online', () => this.retryNow())
  }

  /** Handle frames of one type (`*` for every frame). */
  on(type: string, handler: FrameHandler): void {
    const list = this.handlers.get(type) ?? []
    list.push(handler)
    this.handlers.set(type, list)
  }

  onState(handler: (state: ConnectionState) => void): void {
    this.stateHandlers.push(handler)
  }

  connect(): void {
    clearTimeout(this.retryTimer)
    this.setState('connecting')
    let socket: WebSocket
    try {
      socket = new WebSocket(this.url)
    } catch {
      this.scheduleRetry()
      return
    }
    this.socket = socket
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return
      this.attempt = 0
      this.setState('open')
      clearInterval(this.heartbeat)
      this.heartbeat = setInterval(() => this.send({ type: 'pong' }), HEARTBEAT_MS)
    })
    socket.addEventListener('message', (event) => {
      if (socket !== this.socket || typeof event.data !== 'string') return
      let frame: Frame
      try {
        frame = JSON.parse(event.data) as Frame
      } catch {
        return
      }
      if (typeof frame?.type !== 'string') return
      for (const handler of [...(this.handlers.get(frame.type) ?? []), ...(this.handlers.get('*') ?? [])]) handler(frame)
    })
    socket.addEventListener('close', () => {
      if (socket !== this.socket) return
      clearInterval(this.heartbeat)
      this.socket = undefined
      this.scheduleRetry()
    })
  }

  /** Skip the rest of the back-off wait. */
  retryNow(): void {
    if (this.state === 'waiting') this.connect()
  }

  /** Send a frame; false when not connected. */
  send(frame: object): boolean {
    if (this.socket === undefined || this.socket.readyState !== WebSocket.OPEN) return false
    this.socket.send(JSON.stringify(frame))
    return true
  }

  private scheduleRetry(): void {
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt)
    this.attempt++
    this.retryAt = Date.now() + delay
    this.setState('waiting')
    this.retryTimer = setTimeout(() => this.connect(), delay)
  }

  private setState(state: ConnectionState): void {
    this.state = state
    for (const handler of this.stateHandlers) handler(state)
  }
}
