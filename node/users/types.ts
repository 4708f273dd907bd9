import type { LegacyQueryRecord, LegacyUserInfo } from '../../protocol/index.js'

export interface User {
  guid: string
  nickname: string
  isSysop: boolean
  isBanned: boolean
  totalQueryTime: number
  totalCost: number
  queryCount: number
  createdAt: string
}

export interface NewQueryRecord {
  queryType: string
  modelType: string
  modelName: string
  prompt: string
  processingTime: number
  cost: number
}

export interface SystemTotals {
  totalQueries: number
  totalProcessingTime: number
  totalCost: number
}

/**
 * Users, nicknames, history and totals: on replicated shards (ShardedUserStore)
 * or this node's LevelDB only (LevelUserStore). Reads of a user see every
 * recordQuery started for that user before them, even one not yet written.
 */
export interface UserStore {
  /** Number of users this store knows. */
  count(): Promise<number>
  get(guid: string): Promise<User | undefined>
  /** Return the user, creating it (`user_<8 chars>` nickname) when unknown. */
  getOrCreate(guid: string, options?: { sysop?: boolean }): Promise<{ user: User; created: boolean }>
  /** Throws NicknameTakenError when another user holds the nickname. */
  setNickname(guid: string, nickname: string): Promise<User>
  setBanned(guid: string, banned: boolean): Promise<User>
  setSysop(guid: string, sysop: boolean): Promise<User>
  /** Append a finished query to the user's history and totals. */
  recordQuery(guid: string, record: NewQueryRecord): Promise<LegacyQueryRecord>
  /** Newest first. */
  history(guid: string, limit: number): Promise<LegacyQueryRecord[]>
  list(limit?: number): Promise<User[]>
  /** This node's totals; may leave out queries whose records are still being written. */
  systemTotals(): Promise<SystemTotals>
}

export function toLegacyUserInfo(user: User): LegacyUserInfo {
  return {
    guid: user.guid,
    nickname: user.nickname,
    is_sysop: user.isSysop,
    total_query_time: user.totalQueryTime,
    total_cost: user.totalCost,
    is_banned: user.isBanned,
    query_count: user.queryCount
  }
}
