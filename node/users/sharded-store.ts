import type { Logger } from '@libp2p/interface'
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { type LegacyQueryRecord, MAX_NICKNAME_CHARS } from '../../protocol/index.js'
import { type Entry, HybridClock, nicknameShardKey, RecordCipher, type ShardService, toHex, userShardKey } from '../shards/index.js'
import { InvalidNicknameError, NicknameTakenError, UnknownUserError } from './errors.js'
import { GroupWriter } from './group-writer.js'
import { PendingRecords } from './pending.js'
import type { NewQueryRecord, SystemTotals, User, UserStore } from './types.js'

type Sub<V> = AbstractSublevel<Level<string, unknown>, string | Buffer | Uint8Array, string, V>

const NICKNAME = /^[\p{L}\p{N}_.\- ]+$/u
/** Nicknames of this form are the generated defaults; nobody may claim another user's. */
const DEFAULT_NICKNAME = /^user_[0-9a-f]{8}([0-9a-f]{4})?$/i

// Entry ids inside a user record (protocol/README.md, "User records").
const REG = { created: 'r/created', nickname: 'r/nickname', sysop: 'r/sysop', banned: 'r/banned' } as const
const COUNTER_PREFIX = 'c/'
const HISTORY_PREFIX = 'h/'
/** Entry of a nickname record holding its owner's token (empty once released). */
const OWNER = 'o'
const CLAIM_TTL_MS = 10_000
/** Users whose cipher and writer state stay in memory. */
const MAX_CACHED_USERS = 10_000

interface Totals {
  count: number
  time: number
  cost: number
}

/** What a writer puts in its counter entry: its own running totals for the user. */
type CounterValue = Totals

type HistoryValue = Omit<LegacyQueryRecord, 'user_guid'>

export interface ShardedUserStoreComponents {
  shards: Pick<ShardService, 'read' | 'write' | 'lock' | 'unlock'>
  /** This node's own LevelDB: its writer counters and its directory of the users it served. */
  db: Level<string, unknown>
  /** This node's peer id: names its counter entries. */
  self: string
  log: Logger
}

function defaultNickname(guid: string): string {
  return `user_${guid.slice(0, 8)}`
}

function historyId(ms: number, id: string): string {
  return `${HISTORY_PREFIX}${ms.toString(16).padStart(12, '0')}${id.replaceAll('-', '')}`
}

/**
 * Users on the federation's shards. A user's record lives on the storage
 * peers closest to sha256(guid); every value in it is encrypted under a key
 * derived from the GUID, so only a node the user connects to can read it.
 *
 * - profile fields: last-writer-wins registers versioned by a hybrid logical clock;
 * - totals: one counter entry per writing node (its running totals, version =
 *   its query count), summed on read — concurrent writers never overwrite each other;
 * - history: one entry per query with a unique, time-ordered id (a grow-only set);
 * - nicknames: a separate record per nickname, claimed with leases from a
 *   majority of its owners, so two concurrent claims cannot both win.
 *
 * `count()`, `list()` and `systemTotals()` are this node's own knowledge (the
 * users it served, the queries it recorded), not the federation's.
 */
export class ShardedUserStore implements UserStore {
  private readonly clock = new HybridClock()
  private readonly directory: Sub<User>
  private readonly writers: Sub<Totals>
  private readonly system: Sub<SystemTotals>
  private readonly ciphers = new Map<string, RecordCipher>()
  private readonly chains = new Map<string, Promise<unknown>>()
  /** This node's own counters per user (only recordQuery, one at a time per user, writes them). */
  private readonly writerCache = new Map<string, Totals>()
  private readonly recording = new PendingRecords()
  /** The directory entries this node wrote last (all writes go through putDirectory), bounded. */
  private readonly directoryCache = new Map<string, User>()
  /** Counter, directory and totals puts of concurrent queries share LevelDB batches. */
  private readonly group: GroupWriter
  /** System totals in memory once loaded; LevelDB gets the latest value, one put at a time. */
  private totals?: SystemTotals
  private totalsLoad?: Promise<SystemTotals>

  constructor(private readonly components: ShardedUserStoreComponents) {
    this.directory = components.db.sublevel<string, User>('shard-users', { valueEncoding: 'json' })
    this.writers = components.db.sublevel<string, Totals>('shard-writer', { valueEncoding: 'json' })
    this.system = components.db.sublevel<string, SystemTotals>('shard-system', { valueEncoding: 'json' })
    this.group = new GroupWriter(components.db)
  }

  private cipher(guid: string): RecordCipher {
    let cipher = this.ciphers.get(guid)
    if (cipher === undefined) {
      if (this.ciphers.size >= MAX_CACHED_USERS) this.ciphers.clear()
      cipher = new RecordCipher(guid)
      this.ciphers.set(guid, cipher)
    }
    return cipher
  }

  /** One change at a time per user on this node. */
  private serial<T>(guid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(guid) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => undefined)
    this.chains.set(guid, tail)
    tail.then(() => {
      if (this.chains.get(guid) === tail) this.chains.delete(guid)
    })
    return next
  }

  private decrypt<T>(guid: string, key: Uint8Array, entry: Entry): T | undefined {
    try {
      return this.cipher(guid).decryptJson<T>(key, entry.id, entry.version, entry.value)
    } catch (err) {
      this.components.log.error('user record entry %s failed to decrypt: %s', entry.id, (err as Error).message)
      return undefined
    }
  }

  private register(guid: string, key: Uint8Array, id: string, value: unknown): Entry {
    const version = this.clock.now()
    return { id, version, value: this.cipher(guid).encryptJson(key, id, version, value) }
  }

  /** Local knowledge: users this node has served. */
  async count(): Promise<number> {
    let n = 0
    for await (const _ of this.directory.keys()) n++
    return n
  }

  /**
   * Read-your-writes: a read waits for the user's queries still being
   * recorded (the gateway answers a query before its record is written).
   */
  async get(guid: string): Promise<User | undefined> {
    await this.recording.settled(guid)
    return this.load(guid)
  }

  private async load(guid: string): Promise<User | undefined> {
    const key = userShardKey(guid)
    const [regs, counters] = await Promise.all([
      this.components.shards.read({ key, prefix: 'r/' }),
      this.components.shards.read({ key, prefix: COUNTER_PREFIX })
    ])
    const fields = new Map<string, unknown>()
    for (const entry of regs.entries) {
      this.clock.observe(entry.version)
      const value = this.decrypt<unknown>(guid, key, entry)
      if (value !== undefined) fields.set(entry.id, value)
    }
    const created = fields.get(REG.created)
    if (typeof created !== 'string') return undefined
    const totals: Totals = { count: 0, time: 0, cost: 0 }
    for (const entry of counters.entries) {
      const value = this.decrypt<CounterValue>(guid, key, entry)
      if (value === undefined) continue
      totals.count += value.count
      totals.time += value.time
      totals.cost += value.cost
    }
    const nickname = fields.get(REG.nickname)
    const user: User = {
      guid,
      nickname: typeof nickname === 'string' ? nickname : defaultNickname(guid),
      isSysop: fields.get(REG.sysop) === true,
      isBanned: fields.get(REG.banned) === true,
      totalQueryTime: totals.time,
      totalCost: totals.cost,
      queryCount: totals.count,
      createdAt: created
    }
    await this.putDirectory(guid, user)
    return user
  }

  private async mustGet(guid: string): Promise<User> {
    const user = await this.load(guid)
    if (user === undefined) throw new UnknownUserError(`Unknown user ${guid}`)
    return user
  }

  getOrCreate(guid: string, options: { sysop?: boolean } = {}): Promise<{ user: User; created: boolean }> {
    return this.serial(guid, async () => {
      const existing = await this.load(guid)
      if (existing !== undefined) return { user: existing, created: false }
      const key = userShardKey(guid)
      const user: User = {
        guid,
        nickname: defaultNickname(guid),
        isSysop: options.sysop === true,
        isBanned: false,
        totalQueryTime: 0,
        totalCost: 0,
        queryCount: 0,
        createdAt: new Date().toISOString()
      }
      await this.components.shards.write(key, [
        this.register(guid, key, REG.created, user.createdAt),
        this.register(guid, key, REG.nickname, user.nickname),
        this.register(guid, key, REG.sysop, user.isSysop),
        this.register(guid, key, REG.banned, false)
      ])
      await this.putDirectory(guid, user)
      return { user, created: true }
    })
  }

  setNickname(guid: string, nickname: string): Promise<User> {
    const trimmed = nickname.trim()
    if (trimmed.length === 0 || trimmed.length > MAX_NICKNAME_CHARS || !NICKNAME.test(trimmed)) {
      return Promise.reject(new InvalidNicknameError(`Nickname must be 1-${MAX_NICKNAME_CHARS} letters, digits, spaces, . _ or -`))
    }
    return this.serial(guid, async () => {
      const user = await this.mustGet(guid)
      if (user.nickname === trimmed) return user
      const ownDefault = trimmed.toLowerCase() === defaultNickname(guid).toLowerCase()
      if (DEFAULT_NICKNAME.test(trimmed) && !ownDefault) throw new NicknameTakenError()
      if (!ownDefault) await this.claim(guid, trimmed)
      const key = userShardKey(guid)
      await this.components.shards.write(key, [this.register(guid, key, REG.nickname, trimmed)])
      const updated = { ...user, nickname: trimmed }
      await this.putDirectory(guid, updated)
      if (user.nickname.toLowerCase() !== trimmed.toLowerCase() && !DEFAULT_NICKNAME.test(user.nickname)) {
        await this.release(guid, user.nickname).catch((err: Error) =>
          this.components.log('could not release nickname of %s: %s', toHex(key).slice(0, 12), err.message)
        )
      }
      return updated
    })
  }

  /** Claim a nickname federation-wide: leases from a majority of its record's owners, then commit the owner token. */
  private async claim(guid: string, nickname: string): Promise<void> {
    const { shards } = this.components
    const key = nicknameShardKey(nickname)
    const token = this.cipher(guid).token('nickname-owner')
    const outcome = await shards.lock(key, token, OWNER, CLAIM_TTL_MS)
    if (outcome !== 'granted') throw new NicknameTakenError()
    try {
      // Write after every version of the owner entry seen, whatever this machine's clock says.
      const current = await shards.read({ key, prefix: OWNER, limit: 1 })
      for (const entry of current.entries) this.clock.observe(entry.version)
      const held = current.entries.find((e) => e.id === OWNER)
      if (held !== undefined && held.value.byteLength > 0 && Buffer.compare(held.value, token) !== 0) throw new NicknameTakenError()
      await shards.write(key, [{ id: OWNER, version: this.clock.now(), value: token }])
    } finally {
      await shards.unlock(key, token)
    }
  }

  /** Give a nickname up (only when this user still holds it). */
  private async release(guid: string, nickname: string): Promise<void> {
    const { shards } = this.components
    const key = nicknameShardKey(nickname)
    const token = this.cipher(guid).token('nickname-owner')
    const current = await shards.read({ key, prefix: OWNER, limit: 1 })
    const held = current.entries.find((e) => e.id === OWNER)
    if (held === undefined || Buffer.compare(held.value, token) !== 0) return
    this.clock.observe(held.version)
    await shards.write(key, [{ id: OWNER, version: this.clock.now(), value: new Uint8Array(0) }])
  }

  private update(guid: string, id: string, change: Partial<User>, value: unknown): Promise<User> {
    return this.serial(guid, async () => {
      const user = await this.mustGet(guid)
      const key = userShardKey(guid)
      await this.components.shards.write(key, [this.register(guid, key, id, value)])
      const updated = { ...user, ...change }
      await this.putDirectory(guid, updated)
      return updated
    })
  }

  setBanned(guid: string, banned: boolean): Promise<User> {
    return this.update(guid, REG.banned, { isBanned: banned }, banned)
  }

  setSysop(guid: string, sysop: boolean): Promise<User> {
    return this.update(guid, REG.sysop, { isSysop: sysop }, sysop)
  }

  recordQuery(guid: string, record: NewQueryRecord): Promise<LegacyQueryRecord> {
    return this.recording.track(guid, this.record(guid, record))
  }

  private record(guid: string, record: NewQueryRecord): Promise<LegacyQueryRecord> {
    return this.serial(guid, async () => {
      const key = userShardKey(guid)
      const hex = toHex(key)
      const cipher = this.cipher(guid)
      const counterId = `${COUNTER_PREFIX}${cipher.tag(`writer:${this.components.self}`)}`
      const mine = this.writerCache.get(hex) ?? (await this.writers.get(hex)) ?? (await this.readCounter(guid, key, counterId))
      const next: Totals = { count: mine.count + 1, time: mine.time + record.processingTime, cost: mine.cost + record.cost }
      // Advance before writing: a failed write may still have reached a replica, and versions must never repeat.
      await this.group.put(this.writers, hex, next)
      if (!this.writerCache.has(hex) && this.writerCache.size >= MAX_CACHED_USERS) this.writerCache.delete(this.writerCache.keys().next().value as string)
      this.writerCache.set(hex, next)
      const now = Date.now()
      const id = crypto.randomUUID()
      const entry: LegacyQueryRecord = {
        id,
        user_guid: guid,
        query_type: record.queryType,
        model_type: record.modelType,
        model_name: record.modelName,
        prompt: record.prompt,
        processing_time: record.processingTime,
        cost: record.cost,
        timestamp: new Date(now).toISOString()
      }
      const { user_guid: _, ...stored } = entry
      const hid = historyId(now, id)
      const version = BigInt(next.count)
      await this.components.shards.write(key, [
        { id: hid, version: 0n, value: cipher.encryptJson(key, hid, 0n, stored satisfies HistoryValue) },
        { id: counterId, version, value: cipher.encryptJson(key, counterId, version, next satisfies CounterValue) }
      ])
      await this.addSystemTotals(record)
      // Keep this node's view of the user (list(), sysop stats) in step with what it just recorded.
      const cached = this.directoryCache.get(guid) ?? (await this.directory.get(guid))
      if (cached !== undefined) {
        await this.putDirectory(guid, {
          ...cached,
          queryCount: cached.queryCount + 1,
          totalQueryTime: cached.totalQueryTime + record.processingTime,
          totalCost: cached.totalCost + record.cost
        })
      }
      return entry
    })
  }

  private putDirectory(guid: string, user: User): Promise<void> {
    if (!this.directoryCache.has(guid) && this.directoryCache.size >= MAX_CACHED_USERS) {
      this.directoryCache.delete(this.directoryCache.keys().next().value as string)
    }
    this.directoryCache.set(guid, user)
    return this.group.put(this.directory, guid, user)
  }

  /** This node's counter for a user, from the replicas (its local copy was lost or never made). */
  private async readCounter(guid: string, key: Uint8Array, counterId: string): Promise<Totals> {
    const found = await this.components.shards.read({ key, prefix: counterId, limit: 1 })
    const entry = found.entries.find((e) => e.id === counterId)
    return (entry === undefined ? undefined : this.decrypt<CounterValue>(guid, key, entry)) ?? { count: 0, time: 0, cost: 0 }
  }

  /**
   * Add a query to this node's totals: kept in memory, written through the
   * group writer (busy queries share one put of the latest totals).
   */
  private async addSystemTotals(record: NewQueryRecord): Promise<void> {
    const totals = await this.loadTotals()
    totals.totalQueries += 1
    totals.totalProcessingTime += record.processingTime
    totals.totalCost += record.cost
    await this.group.put(this.system, 'totals', { ...totals })
  }

  private loadTotals(): Promise<SystemTotals> {
    if (this.totals !== undefined) return Promise.resolve(this.totals)
    this.totalsLoad ??= this.system.get('totals').then(
      (stored) => {
        this.totals ??= stored ?? { totalQueries: 0, totalProcessingTime: 0, totalCost: 0 }
        return this.totals
      },
      (err: Error) => {
        this.totalsLoad = undefined
        throw err
      }
    )
    return this.totalsLoad
  }

  async history(guid: string, limit: number): Promise<LegacyQueryRecord[]> {
    await this.recording.settled(guid)
    const key = userShardKey(guid)
    const found = await this.components.shards.read({ key, prefix: HISTORY_PREFIX, reverse: true, limit })
    const out: LegacyQueryRecord[] = []
    for (const entry of found.entries) {
      const value = this.decrypt<HistoryValue>(guid, key, entry)
      if (value !== undefined) out.push({ ...value, user_guid: guid })
    }
    return out
  }

  /** Local knowledge: the users this node has served, as last seen. */
  async list(limit = 1000): Promise<User[]> {
    await this.recording.all()
    const out: User[] = []
    for await (const value of this.directory.values({ limit })) out.push(value)
    return out
  }

  /** Local knowledge: totals of the queries recorded through this node. */
  async systemTotals(): Promise<SystemTotals> {
    return { ...(await this.loadTotals()) }
  }
}
