import { setMaxListeners } from 'node:events'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import type { User } from '../users/index.js'

/** Beyond this much unsent data a socket gets no more droppable broadcasts. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

const TEXT_FRAME = { binary: false } as const

/** A connected user as the greeting lists them. */
export interface UserSummary {
  nickname: string
  queryCount: number
  totalCost: number
}

export interface Client {
  socket: WebSocket
  guid: string
  isSysop: boolean
  /** Aborts the client's running queries when it goes away. */
  controller: AbortController
  /** False after a ping until the client shows a sign of life (pong or message). */
  alive: boolean
  /** The TCP socket under the WebSocket: frames sent in one event-loop turn go out in one write. */
  raw?: Socket
  corked?: boolean
}

/**
 * A controller for a client's queries. Each running query listens on it, and
 * a client may have up to a realm's queue size of them.
 */
export function clientController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(1_000, controller.signal)
  return controller
}

/** Every open `/ws` client. One dead or slow socket never breaks a broadcast. */
export class ClientHub {
  private readonly clients = new Set<Client>()
  /** The same clients by user: lookups stay O(1) with thousands connected. */
  private readonly byUser = new Map<string, Set<Client>>()
  /** What the greeting lists of each connected user, kept current by the sessions (no store reads per join). */
  private readonly summaries = new Map<string, UserSummary>()
  peak = 0

  /** Add a client; `user` is its user as just read from the store. */
  add(client: Client, user?: Pick<User, 'nickname' | 'queryCount' | 'totalCost'>): void {
    if (this.clients.has(client)) return
    this.clients.add(client)
    if (user !== undefined) this.summaries.set(client.guid, { nickname: user.nickname, queryCount: user.queryCount, totalCost: user.totalCost })
    const set = this.byUser.get(client.guid) ?? new Set<Client>()
    set.add(client)
    this.byUser.set(client.guid, set)
    this.peak = Math.max(this.peak, this.clients.size)
  }

  delete(client: Client): void {
    if (!this.clients.delete(client)) return
    const set = this.byUser.get(client.guid)
    set?.delete(client)
    if (set?.size === 0) {
      this.byUser.delete(client.guid)
      this.summaries.delete(client.guid)
    }
  }

  /** A connected user's nickname changed. */
  noteNickname(guid: string, nickname: string): void {
    const s = this.summaries.get(guid)
    if (s !== undefined) s.nickname = nickname
  }

  /** A connected user's query was answered (and is being recorded). */
  noteQuery(guid: string, cost: number): void {
    const s = this.summaries.get(guid)
    if (s === undefined) return
    s.queryCount += 1
    s.totalCost += cost
  }

  /** At most `limit` connected users as the greeting lists them. */
  someSummaries(limit: number): UserSummary[] {
    const out: UserSummary[] = []
    for (const s of this.summaries.values()) {
      if (out.length >= limit) break
      out.push(s)
    }
    return out
  }

  get size(): number {
    return this.clients.size
  }

  all(): Client[] {
    return [...this.clients]
  }

  byGuid(guid: string): Client[] {
    return [...(this.byUser.get(guid) ?? [])]
  }

  guids(): string[] {
    return [...this.byUser.keys()]
  }

  /** Distinct users connected. */
  get userCount(): number {
    return this.byUser.size
  }

  /** Connected sysops. Called on every join and leave: one pass, no copy of the client list. */
  sysops(): Client[] {
    const out: Client[] = []
    for (const c of this.clients) if (c.isSysop) out.push(c)
    return out
  }

  /** Tell every sysop which users are connected (legacy `active_users`). */
  pushActiveUsers(): void {
    const sysops = this.sysops()
    if (sysops.length === 0) return
    const text = JSON.stringify({ type: 'active_users', users: this.guids() })
    for (const client of sysops) {
      if (client.socket.readyState !== client.socket.OPEN) continue
      try {
        client.socket.send(text)
      } catch {
        // closing; its close handler cleans up
      }
    }
  }

  /** Send to one client; returns false when it could not be sent. */
  send(client: Client, frame: object, droppable = false): boolean {
    const socket = client.socket
    if (socket.readyState !== socket.OPEN) return false
    if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) return false
    try {
      this.cork(client)
      socket.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  /**
   * Hold this client's writes until the end of the event-loop turn: a query's
   * position, started and result frames (or a handshake's dozen) then cost one
   * socket write instead of one each (scripts/bench/ws.ts).
   */
  private cork(client: Client): void {
    const raw = client.raw
    if (raw === undefined || client.corked === true) return
    client.corked = true
    raw.cork()
    setImmediate(() => {
      client.corked = false
      raw.uncork()
    })
  }

  broadcast(frame: object, filter: (c: Client) => boolean = () => true, droppable = false): void {
    // Encoded once as UTF-8 and sent as a text frame: a string would be encoded again for every client.
    const data = Buffer.from(JSON.stringify(frame))
    for (const client of this.clients) {
      if (!filter(client)) continue
      const socket = client.socket
      if (socket.readyState !== socket.OPEN) continue
      if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) continue
      try {
        socket.send(data, TEXT_FRAME)
      } catch {
        // A socket that fails here is closing; its own close handler cleans up.
      }
    }
  }
}
