import { mkdir } from 'node:fs/promises'
import type { AbstractSublevel } from 'abstract-level'
import { Level } from 'level'
import { SHARD_DIGEST_BYTES } from '../../protocol/index.js'
import { ShardStoreUnavailableError, ShardStoreWriteError } from './errors.js'
import { fromHex, toHex } from './keys.js'
import { compareEntries, type Entry, type EntryQuery, entryHash, type KeyInfo, type QueryResult, type RecordUpdate, xorInto } from './records.js'

export * from './records.js'

type Db = Level<string, Uint8Array>
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, Uint8Array>

// Stored forms. Entry: 8-byte big-endian version, then the value.
// Meta: 32-byte digest, 4-byte entry count, 8-byte byte count.
function packEntry(entry: Entry): Uint8Array {
  const out = Buffer.alloc(8 + entry.value.byteLength)
  out.writeBigUInt64BE(entry.version, 0)
  out.set(entry.value, 8)
  return out
}

function unpackEntry(id: string, data: Uint8Array): Entry {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return { id, version: buf.readBigUInt64BE(0), value: new Uint8Array(buf.subarray(8)) }
}

interface Meta {
  digest: Uint8Array
  entries: number
  bytes: number
}

function packMeta(meta: Meta): Uint8Array {
  const out = Buffer.alloc(SHARD_DIGEST_BYTES + 12)
  out.set(meta.digest, 0)
  out.writeUInt32BE(meta.entries, SHARD_DIGEST_BYTES)
  out.writeBigUInt64BE(BigInt(meta.bytes), SHARD_DIGEST_BYTES + 4)
  return out
}

function unpackMeta(data: Uint8Array): Meta {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return {
    digest: new Uint8Array(buf.subarray(0, SHARD_DIGEST_BYTES)),
    entries: buf.readUInt32BE(SHARD_DIGEST_BYTES),
    bytes: Number(buf.readBigUInt64BE(SHARD_DIGEST_BYTES + 4))
  }
}

/** Merges written in one batch at most. */
const MAX_GROUP_MERGES = 256
/** Record metadata kept in memory. */
const MAX_CACHED_META = 50_000
/** Entries read per native iterator call. */
const QUERY_PAGE = 64

/** Entry ids are printable ASCII (0x21-0x7e), so 0x7f sorts after every id with a given prefix. */
const ID_END = '\x7f'

/** Why a LevelDB error happened, in words an operator can act on. */
export function describeLevelError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  const text = `${e.cause?.message ?? ''} ${e.message ?? ''}`
  if (e.cause?.code === 'LEVEL_LOCKED' || /lock/i.test(text)) return 'it is locked by another process (is another rentahal-node using this data dir?)'
  if (/No space left|ENOSPC/i.test(text)) return 'the disk is full (ENOSPC)'
  if (e.cause?.code === 'LEVEL_CORRUPTION' || e.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(text)) return `it is corrupt (${e.cause?.message ?? e.message})`
  if (/EACCES|permission/i.test(text)) return 'permission denied'
  return e.cause?.message ?? e.message ?? String(err)
}

/**
 * This node's replicas: one LevelDB holding the entries of every record it
 * stores, plus per-record metadata (digest, entry count, bytes). A record's
 * digest is the XOR of its entries' hashes, kept up to date on every merge, so
 * two replicas holding the same entries hold the same digest. Mutations run
 * one at a time (reads do not wait) so a merge never loses a concurrent one.
 */
export class ShardStore {
  private readonly entries: Sub
  private readonly meta: Sub
  private chain: Promise<unknown> = Promise.resolve()
  private totals = { keys: 0, entries: 0, bytes: 0 }
  /** Merges waiting for the one in progress; written together (group commit). */
  private pending: Array<{ updates: RecordUpdate[]; resolve: (digests: Uint8Array[]) => void; reject: (err: Error) => void }> = []
  private flushing = false
  /** Recently used record metadata (bounded), so reads skip a LevelDB get. */
  private readonly metaCache = new Map<string, Meta>()

  private constructor(
    readonly location: string,
    private readonly db: Db
  ) {
    this.entries = db.sublevel<string, Uint8Array>('e', { valueEncoding: 'view' })
    this.meta = db.sublevel<string, Uint8Array>('m', { valueEncoding: 'view' })
  }

  /** Open (creating) the store; any failure is a ShardStoreUnavailableError saying why. */
  static async open(location: string): Promise<ShardStore> {
    let db: Db
    try {
      await mkdir(location, { recursive: true, mode: 0o700 })
      db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
      await db.open()
    } catch (err) {
      throw new ShardStoreUnavailableError(`cannot open the shard store in ${location}: ${describeLevelError(err)}`, location)
    }
    const store = new ShardStore(location, db)
    try {
      for await (const value of store.meta.values()) {
        const meta = unpackMeta(value)
        store.totals.keys++
        store.totals.entries += meta.entries
        store.totals.bytes += meta.bytes
      }
    } catch (err) {
      await db.close().catch(() => undefined)
      throw new ShardStoreUnavailableError(`cannot read the shard store in ${location}: ${describeLevelError(err)}`, location)
    }
    return store
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined)
    await this.db.close()
  }

  /** Keys held, entries and bytes of entry values. */
  get stats(): { keys: number; entries: number; bytes: number } {
    return { ...this.totals }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn)
    this.chain = next.catch(() => undefined)
    return next
  }

  /**
   * Merge updates (join: per entry id the greatest version wins); resolves
   * once written. Returns each record's digest after the write. Merges that
   * arrive while one is being written are written together in one batch.
   */
  merge(updates: RecordUpdate[]): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ updates, resolve, reject })
      this.flush()
    })
  }

  private flush(): void {
    if (this.flushing || this.pending.length === 0) return
    this.flushing = true
    void this.serial(async () => {
      while (this.pending.length > 0) {
        const jobs = this.pending.splice(0, MAX_GROUP_MERGES)
        try {
          const digests = await this.apply(jobs.flatMap((j) => j.updates))
          for (const job of jobs) job.resolve(job.updates.map((u) => digests.get(toHex(u.key)) as Uint8Array))
        } catch (err) {
          for (const job of jobs) job.reject(err as Error)
        }
      }
    }).finally(() => {
      this.flushing = false
      this.flush()
    })
  }

  private cacheMeta(hex: string, meta: Meta | undefined): void {
    this.metaCache.delete(hex)
    if (meta === undefined) return
    if (this.metaCache.size >= MAX_CACHED_META) this.metaCache.delete(this.metaCache.keys().next().value as string)
    this.metaCache.set(hex, { ...meta, digest: new Uint8Array(meta.digest) })
  }

  /**
   * Record metadata from the cache or LevelDB. Only the write path (which runs
   * one at a time) fills the cache: a read racing a write could cache a stale value.
   */
  private async loadMeta(hex: string, fill: boolean): Promise<Meta | undefined> {
    const cached = this.metaCache.get(hex)
    if (cached !== undefined) return cached
    const value = await this.meta.get(hex)
    const meta = value === undefined ? undefined : unpackMeta(value)
    if (fill) this.cacheMeta(hex, meta)
    return meta
  }

  /** Metadata of many records for the write path: cache hits, then one LevelDB call for the rest. */
  private async loadMetas(hexes: string[]): Promise<Array<Meta | undefined>> {
    const out = hexes.map((hex) => this.metaCache.get(hex))
    const missing = hexes.filter((_, i) => out[i] === undefined)
    if (missing.length === 0) return out
    const values = await this.meta.getMany(missing)
    let j = 0
    return out.map((cached, i) => {
      if (cached !== undefined) return cached
      const value = values[j++]
      const meta = value === undefined ? undefined : unpackMeta(value)
      this.cacheMeta(hexes[i] as string, meta)
      return meta
    })
  }

  private async apply(updates: RecordUpdate[]): Promise<Map<string, Uint8Array>> {
    {
      // Greatest version per (key, id) within the batch first.
      const wanted = new Map<string, Entry>()
      for (const update of updates) {
        const hex = toHex(update.key)
        for (const entry of update.entries) {
          const k = `${hex}!${entry.id}`
          const prev = wanted.get(k)
          if (prev === undefined || compareEntries(entry, prev) > 0) wanted.set(k, entry)
        }
      }
      const hexes = [...new Set(updates.map((u) => toHex(u.key)))]
      const entryKeys = [...wanted.keys()]
      const metas = await this.loadMetas(hexes)
      const metaByHex = new Map<string, Meta>()
      const fresh = new Set<string>()
      hexes.forEach((hex, i) => {
        const m = metas[i]
        if (m === undefined) fresh.add(hex)
        metaByHex.set(hex, m === undefined ? { digest: new Uint8Array(SHARD_DIGEST_BYTES), entries: 0, bytes: 0 } : { ...m, digest: new Uint8Array(m.digest) })
      })
      // A record this store has never held has no entries to look up.
      const lookup = entryKeys.filter((k) => !fresh.has(k.slice(0, 64)))
      const found = lookup.length === 0 ? [] : await this.entries.getMany(lookup)
      const storedByKey = new Map<string, Uint8Array | undefined>(lookup.map((k, i) => [k, found[i]]))
      const stored = entryKeys.map((k) => storedByKey.get(k))
      const ops: Array<{ type: 'put'; sublevel: Sub; key: string; value: Uint8Array }> = []
      const delta = { keys: 0, entries: 0, bytes: 0 }
      entryKeys.forEach((k, i) => {
        const entry = wanted.get(k) as Entry
        const old = stored[i] === undefined ? undefined : unpackEntry(entry.id, stored[i] as Uint8Array)
        if (old !== undefined && compareEntries(entry, old) <= 0) return
        const meta = metaByHex.get(k.slice(0, 64)) as Meta
        if (old !== undefined) {
          xorInto(meta.digest, entryHash(old))
          meta.bytes -= old.value.byteLength
          delta.bytes -= old.value.byteLength
        } else {
          meta.entries++
          delta.entries++
        }
        xorInto(meta.digest, entryHash(entry))
        meta.bytes += entry.value.byteLength
        delta.bytes += entry.value.byteLength
        ops.push({ type: 'put', sublevel: this.entries, key: k, value: packEntry(entry) })
      })
      if (ops.length > 0) {
        const changed = new Set(ops.map((op) => op.key.slice(0, 64)))
        for (const hex of changed) {
          ops.push({ type: 'put', sublevel: this.meta, key: hex, value: packMeta(metaByHex.get(hex) as Meta) })
          if (fresh.has(hex)) delta.keys++
        }
        try {
          await this.db.batch(ops)
        } catch (err) {
          for (const hex of changed) this.metaCache.delete(hex)
          throw new ShardStoreWriteError(`cannot write to the shard store in ${this.location}: ${describeLevelError(err)}`)
        }
        for (const hex of changed) this.cacheMeta(hex, metaByHex.get(hex))
        this.totals.keys += delta.keys
        this.totals.entries += delta.entries
        this.totals.bytes += delta.bytes
      }
      return new Map([...metaByHex].map(([hex, meta]) => [hex, new Uint8Array(meta.digest)]))
    }
  }

  /** Entries matching the query, up to its limit and `budgetBytes` of values (at least one entry). */
  async query(query: EntryQuery, budgetBytes: number): Promise<QueryResult> {
    const hex = toHex(query.key)
    const prefix = `${hex}!${query.prefix ?? ''}`
    const range: { gt?: string; gte?: string; lt?: string; lte?: string } = { gte: prefix, lt: prefix + ID_END }
    if (query.after !== undefined) {
      if (query.reverse === true) range.lt = `${hex}!${query.after}` < range.lt! ? `${hex}!${query.after}` : range.lt
      else if (`${hex}!${query.after}` >= prefix) {
        delete range.gte
        range.gt = `${hex}!${query.after}`
      }
    }
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : Number.POSITIVE_INFINITY
    const entries: Entry[] = []
    let used = 0
    let more = false
    const meta = await this.loadMeta(hex, false)
    if (meta === undefined) return { entries, more, digest: new Uint8Array(SHARD_DIGEST_BYTES) }
    const it = this.entries.iterator({ ...range, reverse: query.reverse === true })
    try {
      // Read in pages (one native call each) rather than entry by entry. A page may hold
      // fewer rows than asked for (classic-level caps pages by bytes): only an empty one ends.
      const page = Math.min(limit + 1, QUERY_PAGE)
      for (;;) {
        const rows = await it.nextv(page)
        if (rows.length === 0) break
        for (const [k, v] of rows) {
          if (entries.length >= limit || (entries.length > 0 && used + v.byteLength > budgetBytes)) {
            more = true
            break
          }
          entries.push(unpackEntry(k.slice(65), v))
          used += v.byteLength + k.length
        }
        if (more) break
      }
    } finally {
      await it.close()
    }
    return { entries, more, digest: new Uint8Array(meta.digest) }
  }

  async info(key: Uint8Array): Promise<KeyInfo | undefined> {
    const meta = await this.loadMeta(toHex(key), false)
    return meta === undefined ? undefined : { key, ...meta, digest: new Uint8Array(meta.digest) }
  }

  /** Keys held in key order: all of them, or those of one bucket (first key byte) after `after`. */
  async *keys(range: { bucket?: number; after?: Uint8Array } = {}): AsyncGenerator<KeyInfo> {
    const options: { gt?: string; gte?: string; lt?: string } = {}
    if (range.bucket !== undefined) {
      const head = range.bucket.toString(16).padStart(2, '0')
      options.gte = head
      options.lt = `${head}~`
    }
    const after = range.after === undefined ? undefined : toHex(range.after)
    if (after !== undefined && (options.gte === undefined || after >= options.gte)) {
      delete options.gte
      options.gt = after
    }
    for await (const [hex, value] of this.meta.iterator(options)) yield { key: fromHex(hex), ...unpackMeta(value) }
  }

  /** Drop a record, but only if its digest is still `digest` (nothing merged since it was handed off). */
  deleteIfUnchanged(key: Uint8Array, digest: Uint8Array): Promise<boolean> {
    return this.serial(async () => {
      const hex = toHex(key)
      const value = await this.meta.get(hex)
      if (value === undefined) return false
      const meta = unpackMeta(value)
      if (Buffer.compare(meta.digest, digest) !== 0) return false
      try {
        await this.entries.clear({ gt: `${hex}!`, lt: `${hex}!${ID_END}` })
        await this.meta.del(hex)
        this.metaCache.delete(hex)
      } catch (err) {
        this.metaCache.delete(hex)
        throw new ShardStoreWriteError(`cannot delete from the shard store in ${this.location}: ${describeLevelError(err)}`)
      }
      this.totals.keys--
      this.totals.entries -= meta.entries
      this.totals.bytes -= meta.bytes
      return true
    })
  }
}
