import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { type LegacyQueryRecord, MAX_NICKNAME_CHARS } from '../../protocol/index.js'
import { InvalidNicknameError, NicknameTakenError, UnknownUserError } from './errors.js'
import { PendingRecords } from './pending.js'
import type { NewQueryRecord, SystemTotals, User, UserStore } from './types.js'

type Sub<V> = AbstractSublevel<Level<string, unknown>, string | Buffer | Uint8Array, string, V>

const NICKNAME = /^[\p{L}\p{N}_.\- ]+$/u

/** History keys sort by time: `<guid>!<ms, 15 digits>!<id>`. */
function historyKey(guid: string, ms: number, id: string): string {
  return `${guid}!${String(ms).padStart(15, '0')}!${id}`
}

/** Users on this node's LevelDB, serialised through one write chain so nickname claims cannot race. */
export class LevelUserStore implements UserStore {
  private readonly users: Sub<User>
  private readonly nicks: Sub<string>
  private readonly queries: Sub<LegacyQueryRecord>
  private readonly system: Sub<SystemTotals>
  private chain: Promise<unknown> = Promise.resolve()
  private readonly recording = new PendingRecords()

  constructor(db: Level<string, unknown>) {
    this.users = db.sublevel<string, User>('users', { valueEncoding: 'json' })
    this.nicks = db.sublevel<string, string>('nicknames', { valueEncoding: 'utf8' })
    this.queries = db.sublevel<string, LegacyQueryRecord>('queries', { valueEncoding: 'json' })
    this.system = db.sublevel<string, SystemTotals>('system', { valueEncoding: 'json' })
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn)
    this.chain = next.catch(() => undefined)
    return next
  }

  async count(): Promise<number> {
    let n = 0
    for await (const _ of this.users.keys()) n++
    return n
  }

  async get(guid: string): Promise<User | undefined> {
    await this.recording.settled(guid)
    return this.users.get(guid)
  }

  private async mustGet(guid: string): Promise<User> {
    const user = await this.users.get(guid)
    if (user === undefined) throw new UnknownUserError(`Unknown user ${guid}`)
    return user
  }

  getOrCreate(guid: string, options: { sysop?: boolean } = {}): Promise<{ user: User; created: boolean }> {
    return this.serial(async () => {
      const existing = await this.users.get(guid)
      if (existing !== undefined) return { user: existing, created: false }
      let nickname = `user_${guid.slice(0, 8)}`
      if ((await this.nicks.get(nickname.toLowerCase())) !== undefined) nickname = `user_${guid.replaceAll('-', '').slice(0, 12)}`
      const user: User = {
        guid,
        nickname,
        isSysop: options.sysop === true,
        isBanned: false,
        totalQueryTime: 0,
        totalCost: 0,
        queryCount: 0,
        createdAt: new Date().toISOString()
      }
      await this.users.db.batch([
        { type: 'put', sublevel: this.users, key: guid, value: user },
        { type: 'put', sublevel: this.nicks, key: nickname.toLowerCase(), value: guid }
      ])
      return { user, created: true }
    })
  }

  setNickname(guid: string, nickname: string): Promise<User> {
    const trimmed = nickname.trim()
    if (trimmed.length === 0 || trimmed.length > MAX_NICKNAME_CHARS || !NICKNAME.test(trimmed)) {
      return Promise.reject(new InvalidNicknameError(`Nickname must be 1-${MAX_NICKNAME_CHARS} letters, digits, spaces, . _ or -`))
    }
    return this.serial(async () => {
      const user = await this.mustGet(guid)
      const key = trimmed.toLowerCase()
      const holder = await this.nicks.get(key)
      if (holder !== undefined && holder !== guid) throw new NicknameTakenError()
      const updated = { ...user, nickname: trimmed }
      await this.users.db.batch([
        { type: 'del', sublevel: this.nicks, key: user.nickname.toLowerCase() },
        { type: 'put', sublevel: this.nicks, key, value: guid },
        { type: 'put', sublevel: this.users, key: guid, value: updated }
      ])
      return updated
    })
  }

  private update(guid: string, change: Partial<User>): Promise<User> {
    return this.serial(async () => {
      const updated = { ...(await this.mustGet(guid)), ...change }
      await this.users.put(guid, updated)
      return updated
    })
  }

  setBanned(guid: string, banned: boolean): Promise<User> {
    return this.update(guid, { isBanned: banned })
  }

  setSysop(guid: string, sysop: boolean): Promise<User> {
    return this.update(guid, { isSysop: sysop })
  }

  recordQuery(guid: string, record: NewQueryRecord): Promise<LegacyQueryRecord> {
    return this.recording.track(guid, this.record(guid, record))
  }

  private record(guid: string, record: NewQueryRecord): Promise<LegacyQueryRecord> {
    return this.serial(async () => {
      const user = await this.mustGet(guid)
      const now = Date.now()
      const entry: LegacyQueryRecord = {
        id: crypto.randomUUID(),
        user_guid: guid,
        query_type: record.queryType,
        model_type: record.modelType,
        model_name: record.modelName,
        prompt: record.prompt,
        processing_time: record.processingTime,
        cost: record.cost,
        timestamp: new Date(now).toISOString()
      }
      const totals = (await this.system.get('totals')) ?? { totalQueries: 0, totalProcessingTime: 0, totalCost: 0 }
      await this.users.db.batch([
        { type: 'put', sublevel: this.queries, key: historyKey(guid, now, entry.id), value: entry },
        {
          type: 'put',
          sublevel: this.users,
          key: guid,
          value: {
            ...user,
            queryCount: user.queryCount + 1,
            totalQueryTime: user.totalQueryTime + record.processingTime,
            totalCost: user.totalCost + record.cost
          }
        },
        {
          type: 'put',
          sublevel: this.system,
          key: 'totals',
          value: {
            totalQueries: totals.totalQueries + 1,
            totalProcessingTime: totals.totalProcessingTime + record.processingTime,
            totalCost: totals.totalCost + record.cost
          }
        }
      ])
      return entry
    })
  }

  async history(guid: string, limit: number): Promise<LegacyQueryRecord[]> {
    await this.recording.settled(guid)
    const out: LegacyQueryRecord[] = []
    for await (const value of this.queries.values({ gt: `${guid}!`, lt: `${guid}!~`, reverse: true, limit })) out.push(value)
    return out
  }

  async list(limit = 1000): Promise<User[]> {
    await this.recording.all()
    const out: User[] = []
    for await (const value of this.users.values({ limit })) out.push(value)
    return out
  }

  async systemTotals(): Promise<SystemTotals> {
    return (await this.system.get('totals')) ?? { totalQueries: 0, totalProcessingTime: 0, totalCost: 0 }
  }
}
