import { setMaxListeners } from 'node:events'
import type { WebSocket } from 'ws'

/** Beyond this much unsent data a socket gets no more droppable broadcasts. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

export interface Client {
  socket: WebSocket
  guid: string
  isSysop: boolean
  /** Aborts the client's running queries when it goes away. */
  controller: AbortController
  /** False after a ping until the client shows a sign of life (pong or message). */
  alive: boolean
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
  peak = 0

  add(client: Client): void {
    if (this.clients.has(client)) return
    this.clients.add(client)
    const set = this.byUser.get(client.guid) ?? new Set<Client>()
    set.add(client)
    this.byUser.set(client.guid, set)
    this.peak = Math.max(this.peak, this.clients.size)
  }

  delete(client: Client): void {
    if (!this.clients.delete(client)) return
    const set = this.byUser.get(client.guid)
    set?.delete(client)
    if (set?.size === 0) this.byUser.delete(client.guid)
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

  /** Number of distinct connected users. */
  get users(): number {
    return this.byUser.size
  }

  /** Distinct users connected (same as `users`). */
  get userCount(): number {
    return this.byUser.size
  }

  /** At most `limit` connected users' GUIDs, for listings that must stay small. */
  someGuids(limit: number): string[] {
    const out: string[] = []
    for (const guid of this.byUser.keys()) {
      if (out.length >= limit) break
      out.push(guid)
    }
    return out
  }

  sysops(): Client[] {
    return this.all().filter((c) => c.isSysop)
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
      socket.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  broadcast(frame: object, filter: (c: Client) => boolean = () => true, droppable = false): void {
    const text = JSON.stringify(frame)
    for (const client of this.clients) {
      if (!filter(client)) continue
      const socket = client.socket
      if (socket.readyState !== socket.OPEN) continue
      if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) continue
      try {
        socket.send(text)
      } catch {
        // A socket that fails here is closing; its own close handler cleans up.
      }
    }
  }
}
