import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { SHARD_MAX_ENTRIES_PER_RECORD, SHARD_MAX_FRAME_BYTES, SHARD_RESPONSE_BUDGET_BYTES } from '../../protocol/index.js'
import { type Dial, PeerChannel } from './client.js'
import { ShardProtocolError, ShardStoreUnavailableError } from './errors.js'
import { compareEntries, type Entry, type EntryQuery, entryHash, type QueryResult, type ShardStore } from './store.js'
import type { ShardRequest, ShardResponse } from './wire.js'

/** Bytes of entry values pushed per PUT when a whole record is copied. */
const PUSH_CHUNK_BYTES = SHARD_MAX_FRAME_BYTES / 2

/** Merge entry lists: the greatest version of each id. */
export function unionEntries(lists: Entry[][]): Map<string, Entry> {
  const out = new Map<string, Entry>()
  for (const list of lists) {
    for (const entry of list) {
      const prev = out.get(entry.id)
      if (prev === undefined || compareEntries(entry, prev) > 0) out.set(entry.id, entry)
    }
  }
  return out
}

/** Digest of a set of entries, as a replica holding exactly them would report it. */
export function digestOf(entries: Iterable<Entry>): Uint8Array {
  const out = new Uint8Array(32)
  for (const entry of entries) {
    const h = entryHash(entry)
    for (let i = 0; i < 32; i++) out[i] = (out[i] as number) ^ (h[i] as number)
  }
  return out
}

/**
 * Talks to one replica, local or remote, with the same calls: this node's own
 * store directly, other peers through a PeerChannel each.
 */
export class Replicas {
  private readonly channels = new Map<string, PeerChannel>()

  constructor(
    private readonly self: PeerId,
    private readonly store: ShardStore | undefined,
    private readonly dial: Dial,
    private readonly log: Logger,
    private readonly dialTimeoutMs: number
  ) {}

  isSelf(peer: PeerId): boolean {
    return peer.equals(this.self)
  }

  private localStore(): ShardStore {
    if (this.store === undefined) throw new ShardStoreUnavailableError('this node has no shard store', '')
    return this.store
  }

  channel(peer: PeerId): PeerChannel {
    const key = peer.toString()
    let channel = this.channels.get(key)
    if (channel === undefined) {
      channel = new PeerChannel(peer, this.dial, this.log, this.dialTimeoutMs)
      this.channels.set(key, channel)
    }
    return channel
  }

  /** Forget channels to peers no longer in `keep`. */
  prune(keep: PeerId[]): void {
    const alive = new Set(keep.map((p) => p.toString()))
    for (const [key, channel] of this.channels) {
      if (!alive.has(key)) {
        channel.close('peer left')
        this.channels.delete(key)
      }
    }
  }

  closeAll(): void {
    for (const channel of this.channels.values()) channel.close('node stopping')
    this.channels.clear()
  }

  /** Merge entries into one replica; resolves with its record digest once stored. */
  async put(peer: PeerId, key: Uint8Array, entries: Entry[], options: AbortOptions = {}): Promise<Uint8Array> {
    if (this.isSelf(peer)) return (await this.localStore().merge([{ key, entries }]))[0] as Uint8Array
    return this.channel(peer).put({ key, entries }, options)
  }

  async query(peer: PeerId, query: EntryQuery, options: AbortOptions = {}): Promise<QueryResult> {
    const capped = { ...query, limit: Math.min(query.limit ?? SHARD_MAX_ENTRIES_PER_RECORD, SHARD_MAX_ENTRIES_PER_RECORD) }
    if (this.isSelf(peer)) return this.localStore().query(capped, SHARD_RESPONSE_BUDGET_BYTES)
    return this.channel(peer).get(capped, options)
  }

  /** Page through a query until `limit` entries (or all of them). */
  async queryAll(peer: PeerId, query: EntryQuery, options: AbortOptions = {}): Promise<QueryResult> {
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : Number.POSITIVE_INFINITY
    const entries: Entry[] = []
    let after = query.after
    let stalls = 0
    for (;;) {
      const page = await this.query(peer, { ...query, after, limit: Math.min(limit - entries.length, SHARD_MAX_ENTRIES_PER_RECORD) }, options)
      entries.push(...page.entries)
      if (!page.more) return { entries, more: false, digest: page.digest }
      if (entries.length >= limit) return { entries, more: true, digest: page.digest }
      const last = page.entries.at(-1)
      // A responder whose budget went to other queries of a shared frame answers "more" with nothing: ask again.
      if (last === undefined) {
        if (++stalls > 8) throw new ShardProtocolError(`${peer} keeps answering without entries`)
        continue
      }
      after = last.id
    }
  }

  /** Copy entries to a replica in frames below the limits; resolves with its digest after the last. */
  async push(peer: PeerId, key: Uint8Array, entries: Entry[], options: AbortOptions = {}): Promise<Uint8Array> {
    if (this.isSelf(peer)) return (await this.localStore().merge([{ key, entries }]))[0] as Uint8Array
    let digest: Uint8Array | undefined
    let chunk: Entry[] = []
    let bytes = 0
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return
      digest = await this.channel(peer).put({ key, entries: chunk }, options)
      chunk = []
      bytes = 0
    }
    for (const entry of entries) {
      if (chunk.length >= SHARD_MAX_ENTRIES_PER_RECORD || (chunk.length > 0 && bytes + entry.value.byteLength > PUSH_CHUNK_BYTES)) await flush()
      chunk.push(entry)
      bytes += entry.value.byteLength + entry.id.length
    }
    await flush()
    if (digest === undefined) throw new Error('nothing to push')
    return digest
  }

  request(peer: PeerId, body: Partial<ShardRequest> & { type: ShardRequest.Type }, options: AbortOptions = {}): Promise<ShardResponse> {
    return this.channel(peer).request(body, options)
  }
}
