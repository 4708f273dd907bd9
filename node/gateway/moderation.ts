import { LEGACY_ERRORS } from '../../protocol/index.js'
import { toLegacyUserInfo, type User, type UserStore } from '../users/index.js'
import type { ClientHub } from './hub.js'
import type { QueryDesk } from './query-desk.js'

export interface ModerationComponents {
  users: UserStore
  hub: ClientHub
  desk: QueryDesk
  broadcastQueue: () => void
}

/**
 * Sysop actions shared by `/ws` and the admin API. Unlike the original, they
 * act at once on the user's open sockets and running queries.
 */
export class Moderation {
  constructor(private readonly components: ModerationComponents) {}

  /** Ban a user (known or not yet seen): close their sockets and cancel their queries. */
  async ban(guid: string): Promise<User> {
    const { users, hub, desk } = this.components
    await users.getOrCreate(guid)
    const user = await users.setBanned(guid, true)
    hub.broadcast({ type: 'user_banned', guid })
    desk.terminate(guid)
    for (const target of hub.byGuid(guid)) {
      hub.send(target, { type: 'error', message: LEGACY_ERRORS.banned })
      target.socket.close(1008, 'Banned')
    }
    this.components.broadcastQueue()
    return user
  }

  async unban(guid: string): Promise<User> {
    const { users, hub } = this.components
    await users.getOrCreate(guid)
    const user = await users.setBanned(guid, false)
    hub.broadcast({ type: 'user_unbanned', guid })
    return user
  }

  /** Cancel every queued and running query of a user; returns how many. */
  terminate(guid: string): number {
    const n = this.components.desk.terminate(guid)
    this.components.hub.broadcast({ type: 'query_terminated', guid })
    this.components.broadcastQueue()
    return n
  }

  /** Grant or revoke sysop rights; the user's open sockets follow at once. */
  async setSysop(guid: string, sysop: boolean): Promise<User> {
    const { users, hub } = this.components
    await users.getOrCreate(guid)
    const user = await users.setSysop(guid, sysop)
    for (const client of hub.byGuid(guid)) {
      client.isSysop = sysop
      hub.send(client, { type: 'user_info', data: toLegacyUserInfo(user) })
    }
    hub.pushActiveUsers()
    return user
  }
}
