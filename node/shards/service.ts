import type { AbortOptions, Libp2p, Logger, PeerId } from '@libp2p/interface'
import { SHARD_BUCKETS, SHARD_MAX_LOCK_TTL_MS, SHARD_PROTOCOL } from '../../protocol/index.js'
import { ShardQuorumError, type ShardStoreUnavailableError } from './errors.js'
import { equalBytes, toHex } from './keys.js'
import { LockTable } from './locks.js'
import type { StoragePeerSource } from './peer-source.js'
import { Placement } from './placement.js'
import { gather } from './quorum.js'
import { digestOf, Replicas, unionEntries } from './replicas.js'
import { ShardResponder } from './responder.js'
import { bucketDigests, compareEntries, type Entry, type EntryQuery, type KeyInfo, type ShardStore } from './store.js'
import { ShardRequest, ShardResponse } from './wire.js'

export const DEFAULT_ANTI_ENTROPY_INTERVAL_MS = 60_000
export const DEFAULT_REPAIR_DELAY_MS = 2_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000
/** Keys waiting for read repair at most; more are left to anti-entropy. */
const MAX_PENDING_REPAIRS = 1_000
/** Inbound and outbound shard streams per connection (a client uses one). */
const MAX_STREAMS_PER_CONNECTION = 8

export interface ShardServiceInit {
  replication: number
  writeQuorum: number
  readQuorum: number
  /** Period of the anti-entropy pass; 0 disables the timer (tests call sync()). */
  antiEntropyIntervalMs?: number
  /** Delay before a pass once the storage peers change; 0 disables it (tests call sync()). */
  repairDelayMs?: number
  /** Deadline of one quorum operation. */
  requestTimeoutMs?: number
  dialTimeoutMs?: number
}

export interface ShardServiceComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol'>
  peers: StoragePeerSource
  /** This node's replica store; undefined when it could not be opened (`storeError` says why). */
  store?: ShardStore
  storeError?: ShardStoreUnavailableError
  log: Logger
}

export interface SyncReport {
  peers: number
  failedPeers: number
  repairedKeys: number
  handedOff: number
  durationMs: number
}

export interface ShardStatus {
  available: boolean
  error?: string
  location?: string
  replication: number
  writeQuorum: number
  readQuorum: number
  /** Storage peers known besides this node. */
  storagePeers: number
  keys: number
  entries: number
  bytes: number
  /** Keys this node is an owner of. */
  owned: number
  /** Owned keys confirmed on min(replication, storage peers + 1) replicas at the last pass. */
  healthy: number
  /** Owned keys confirmed on fewer replicas at the last pass (or changed since). */
  underReplicated: number
  /** Keys held here that belong to other owners, waiting to be handed off. */
  handoff: number
  lastSync?: SyncReport & { at: string }
}

export interface ReadResult {
  entries: Entry[]
  more: boolean
}

export type LockResult = 'granted' | 'taken' | 'busy'

/**
 * Places records on the storage peers closest to their key, writes with a
 * write quorum, reads with a read quorum (repairing stale replicas), hands
 * keys to their new owners when membership changes and runs anti-entropy.
 */
export class ShardService {
  readonly placement: Placement
  private readonly replicas: Replicas
  private readonly locks = new LockTable()
  private readonly responder?: ShardResponder
  private antiEntropyTimer?: ReturnType<typeof setInterval>
  private repairTimer?: ReturnType<typeof setTimeout>
  private syncing?: Promise<SyncReport>
  private lastSync?: SyncReport & { at: string }
  /** Per owned key (hex): replicas confirmed in sync at the last pass, this node included. */
  private confirmed = new Map<string, number>()
  private readonly pendingRepairs = new Map<string, { key: Uint8Array; peers: PeerId[] }>()
  private repairing = false
  private aloneLogged = false
  private started = false
  private readonly controller = new AbortController()
  private readonly onPeersChange = (): void => {
    this.replicas.prune(this.components.peers.list())
    const delay = this.init.repairDelayMs ?? DEFAULT_REPAIR_DELAY_MS
    if (delay <= 0 || !this.started) return
    clearTimeout(this.repairTimer)
    this.repairTimer = setTimeout(() => {
      this.sync().catch((err: Error) => this.components.log.error('repair pass failed: %s', err.message))
    }, delay)
    this.repairTimer.unref?.()
  }

  constructor(
    private readonly components: ShardServiceComponents,
    private readonly init: ShardServiceInit
  ) {
    const { libp2p, store, log } = components
    this.placement = new Placement(libp2p.peerId, init.replication)
    this.replicas = new Replicas(
      libp2p.peerId,
      store,
      (peer, options) => libp2p.dialProtocol(peer, SHARD_PROTOCOL, options),
      log,
      init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
    )
    if (store !== undefined) {
      this.responder = new ShardResponder({ store, locks: this.locks, log, coOwned: (key, peer) => this.coOwned(key, peer) })
    }
  }

  /** Whether this node stores shards (its store opened). */
  get stores(): boolean {
    return this.components.store !== undefined
  }

  get self(): PeerId {
    return this.components.libp2p.peerId
  }

  async start(): Promise<void> {
    if (this.started) return
    const { libp2p, peers, log, storeError } = this.components
    if (this.responder !== undefined) {
      const responder = this.responder
      await libp2p.handle(SHARD_PROTOCOL, (stream, connection) => responder.handle(stream, connection), {
        maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
        maxOutboundStreams: MAX_STREAMS_PER_CONNECTION
      })
    } else if (storeError !== undefined) {
      log.error('user data is not stored on this node: %s', storeError.message)
    }
    peers.addEventListener('change', this.onPeersChange)
    const interval = this.init.antiEntropyIntervalMs ?? DEFAULT_ANTI_ENTROPY_INTERVAL_MS
    if (interval > 0) {
      this.antiEntropyTimer = setInterval(() => {
        this.sync().catch((err: Error) => log.error('anti-entropy pass failed: %s', err.message))
      }, interval)
      this.antiEntropyTimer.unref?.()
    }
    this.started = true
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.controller.abort()
    clearInterval(this.antiEntropyTimer)
    clearTimeout(this.repairTimer)
    this.components.peers.removeEventListener('change', this.onPeersChange)
    if (this.responder !== undefined) await this.components.libp2p.unhandle(SHARD_PROTOCOL).catch(() => undefined)
    this.replicas.closeAll()
    await this.syncing?.catch(() => undefined)
  }

  /** Storage peers this node knows besides itself. */
  storagePeers(): PeerId[] {
    return this.components.peers.list()
  }

  /** The records this node holds (key, digest, entries, bytes), in key order. */
  async holdings(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = []
    if (this.components.store === undefined) return out
    for await (const info of this.components.store.keys()) out.push(info)
    return out
  }

  /** The replica set of a key, closest first. */
  owners(key: Uint8Array): PeerId[] {
    return this.placement.owners(key, this.components.peers.list(), this.stores)
  }

  private ranked(key: Uint8Array): PeerId[] {
    const peers = this.components.peers.list()
    if (peers.length + 1 < this.init.replication) this.components.peers.discover?.(key, { signal: this.controller.signal }).catch(() => undefined)
    if (peers.length === 0 && this.stores && !this.aloneLogged) {
      this.aloneLogged = true
      this.components.log('no other storage peer known: this node holds every user record itself')
    }
    return this.placement.ranked(key, peers, this.stores)
  }

  private coOwned(key: Uint8Array, peer: PeerId): boolean {
    const owners = this.owners(key)
    return owners.some((p) => p.equals(peer)) && owners.some((p) => p.equals(this.self))
  }

  private signal(options: AbortOptions): AbortSignal {
    const timeout = AbortSignal.timeout(this.init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    return options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  }

  private noReplicas(): Error {
    return this.components.storeError ?? new ShardQuorumError('no storage peer is known for user data', 1, 0, [])
  }

  /** Store entries on the key's owners; resolves once `write_quorum` of them (fewer when fewer exist) have them durably. */
  async write(key: Uint8Array, entries: Entry[], options: AbortOptions = {}): Promise<void> {
    const ranked = this.ranked(key)
    if (ranked.length === 0) throw this.noReplicas()
    const owners = ranked.slice(0, this.init.replication)
    const needed = Math.min(this.init.writeQuorum, owners.length)
    const signal = this.signal(options)
    // Owners first; if some fail, the next-closest peers hold the write until repair hands it over.
    const { results, failures } = await gather(owners, ranked.slice(this.init.replication), needed, (peer) => this.replicas.put(peer, key, entries, { signal }))
    if (results.length < needed) {
      const causes = failures.map((f) => `${f.peer}: ${f.error.message}`)
      if (results.length === 0 && failures.every((f) => this.replicas.isSelf(f.peer)) && failures[0] !== undefined) throw failures[0].error
      throw new ShardQuorumError(
        `user data could not be saved: ${results.length} of the ${needed} replicas needed stored it (${causes.join('; ')})`,
        needed,
        results.length,
        causes
      )
    }
  }

  /** Read a query from `read_quorum` owners, merge their answers and repair owners that differ. */
  async read(query: EntryQuery, options: AbortOptions = {}): Promise<ReadResult> {
    const ranked = this.ranked(query.key)
    if (ranked.length === 0) throw this.noReplicas()
    const owners = ranked.slice(0, this.init.replication)
    const needed = Math.min(this.init.readQuorum, owners.length)
    // Ask this node first when it is an owner: the local answer costs nothing.
    const ordered = [...owners.filter((p) => this.replicas.isSelf(p)), ...owners.filter((p) => !this.replicas.isSelf(p))]
    const signal = this.signal(options)
    const { results, failures } = await gather(ordered.slice(0, needed), ordered.slice(needed), needed, (peer) =>
      this.replicas.queryAll(peer, query, { signal })
    )
    if (results.length < needed) {
      const causes = failures.map((f) => `${f.peer}: ${f.error.message}`)
      if (results.length === 0 && failures.length === 1 && failures[0] !== undefined && this.replicas.isSelf(failures[0].peer)) throw failures[0].error
      throw new ShardQuorumError(
        `user data could not be read: ${results.length} of the ${needed} replicas needed answered (${causes.join('; ')})`,
        needed,
        results.length,
        causes
      )
    }
    const first = results[0]?.value.digest
    if (first !== undefined && results.some((r) => !equalBytes(r.value.digest, first))) {
      this.scheduleRepair(
        query.key,
        results.map((r) => r.peer)
      )
    }
    const merged = [...unionEntries(results.map((r) => r.value.entries)).values()]
    merged.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    if (query.reverse === true) merged.reverse()
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : Number.POSITIVE_INFINITY
    return { entries: merged.slice(0, limit), more: merged.length > limit || results.some((r) => r.value.more) }
  }

  /**
   * Take a short lease on `key` from a majority of its owners, refused when
   * entry `guard` already holds another token. 'granted' means this caller may
   * commit; on anything else the leases it did get are released.
   */
  async lock(key: Uint8Array, token: Uint8Array, guard: string, ttlMs: number, options: AbortOptions = {}): Promise<LockResult> {
    const owners = this.ranked(key).slice(0, this.init.replication)
    if (owners.length === 0) throw this.noReplicas()
    const majority = Math.floor(owners.length / 2) + 1
    const signal = this.signal(options)
    const ttl = Math.min(ttlMs, SHARD_MAX_LOCK_TTL_MS)
    const answers = await Promise.all(
      owners.map(async (peer): Promise<{ peer: PeerId; status: ShardResponse.Status | 'error' }> => {
        try {
          if (this.replicas.isSelf(peer)) return { peer, status: await this.lockLocally(key, token, guard, ttl) }
          const res = await this.replicas.request(
            peer,
            { type: ShardRequest.Type.LOCK, key: key as Uint8Array<ArrayBuffer>, token: token as Uint8Array<ArrayBuffer>, guard, ttlMs: ttl },
            { signal }
          )
          return { peer, status: res.status }
        } catch {
          return { peer, status: 'error' }
        }
      })
    )
    const granted = answers.filter((a) => a.status === ShardResponse.Status.OK)
    if (granted.length >= majority) return 'granted'
    await this.unlock(
      key,
      token,
      granted.map((a) => a.peer)
    )
    if (answers.some((a) => a.status === ShardResponse.Status.TAKEN)) return 'taken'
    if (answers.filter((a) => a.status === 'error').length > owners.length - majority) {
      throw new ShardQuorumError(`a majority of the record's ${owners.length} replicas did not answer`, majority, granted.length, [])
    }
    return 'busy'
  }

  private async lockLocally(key: Uint8Array, token: Uint8Array, guard: string, ttlMs: number): Promise<ShardResponse.Status> {
    const store = this.components.store as ShardStore
    const held = (await store.query({ key, prefix: guard, limit: 1 }, 1024)).entries.find((e) => e.id === guard)
    if (held !== undefined && held.value.byteLength > 0 && !equalBytes(held.value, token)) return ShardResponse.Status.TAKEN
    return this.locks.acquire(key, token, ttlMs) === 'granted' ? ShardResponse.Status.OK : ShardResponse.Status.BUSY
  }

  /** Release leases (on `peers`, or every owner). */
  async unlock(key: Uint8Array, token: Uint8Array, peers?: PeerId[]): Promise<void> {
    const targets = peers ?? this.owners(key)
    await Promise.all(
      targets.map(async (peer) => {
        if (this.replicas.isSelf(peer)) return this.locks.release(key, token)
        await this.replicas
          .request(
            peer,
            { type: ShardRequest.Type.UNLOCK, key: key as Uint8Array<ArrayBuffer>, token: token as Uint8Array<ArrayBuffer> },
            { signal: this.signal({}) }
          )
          .catch(() => undefined)
      })
    )
  }

  private scheduleRepair(key: Uint8Array, peers: PeerId[]): void {
    const hex = toHex(key)
    if (!this.pendingRepairs.has(hex) && this.pendingRepairs.size >= MAX_PENDING_REPAIRS) return
    this.pendingRepairs.set(hex, { key, peers })
    if (this.repairing) return
    this.repairing = true
    void (async () => {
      while (this.pendingRepairs.size > 0 && this.started) {
        const [next, job] = this.pendingRepairs.entries().next().value as [string, { key: Uint8Array; peers: PeerId[] }]
        this.pendingRepairs.delete(next)
        await this.repairKey(job.key, job.peers, { signal: this.signal({}) }).catch((err: Error) =>
          this.components.log('read repair of %s failed: %s', next.slice(0, 12), err.message)
        )
      }
      this.repairing = false
    })()
  }

  /** Bring `peers` (and this node, if it stores the key) to the union of their copies. Returns how many copies changed. */
  async repairKey(key: Uint8Array, peers: PeerId[], options: AbortOptions = {}): Promise<number> {
    const targets = [...peers.filter((p) => !this.replicas.isSelf(p))]
    if (this.stores) targets.unshift(this.self)
    const copies = await Promise.all(
      targets.map(async (peer) => {
        try {
          return { peer, record: await this.replicas.queryAll(peer, { key }, options) }
        } catch (err) {
          this.components.log('repair: %p did not answer: %s', peer, (err as Error).message)
          return undefined
        }
      })
    )
    const answered = copies.filter((c) => c !== undefined)
    const union = unionEntries(answered.map((c) => c.record.entries))
    const digest = digestOf(union.values())
    let changed = 0
    await Promise.all(
      answered.map(async ({ peer, record }) => {
        if (equalBytes(record.digest, digest)) return
        const theirs = new Map(record.entries.map((e) => [e.id, e]))
        const missing = [...union.values()].filter((e) => {
          const t = theirs.get(e.id)
          return t === undefined || compareEntries(e, t) > 0
        })
        if (missing.length === 0) return
        await this.replicas.push(peer, key, missing, options)
        changed++
      })
    )
    return changed
  }

  /**
   * One anti-entropy pass: compare bucket digests of shared keys with every
   * storage peer and reconcile the keys that differ, then hand keys this node
   * no longer owns to their owners (deleting them here once every owner has
   * them). The periodic timer and membership changes run this; tests call it.
   */
  sync(options: AbortOptions = {}): Promise<SyncReport> {
    this.syncing ??= this.runSync(options).finally(() => {
      this.syncing = undefined
    })
    return this.syncing
  }

  private async runSync(options: AbortOptions): Promise<SyncReport> {
    const started = performance.now()
    const report: SyncReport = { peers: 0, failedPeers: 0, repairedKeys: 0, handedOff: 0, durationMs: 0 }
    const store = this.components.store
    if (store === undefined) return report
    const signal = options.signal ?? this.controller.signal
    const peers = this.components.peers.list()
    const held: Array<KeyInfo & { owners: PeerId[]; hex: string }> = []
    for await (const info of store.keys()) held.push({ ...info, owners: this.placement.owners(info.key, peers, true), hex: toHex(info.key) })
    const confirmed = new Map<string, number>()
    for (const k of held) if (k.owners.some((p) => p.equals(this.self))) confirmed.set(k.hex, 1)

    for (const peer of peers) {
      signal.throwIfAborted()
      const shared = held.filter((k) => confirmed.has(k.hex) && k.owners.some((p) => p.equals(peer)))
      try {
        report.repairedKeys += await this.syncWith(peer, shared, { signal })
        report.peers++
        for (const k of shared) confirmed.set(k.hex, (confirmed.get(k.hex) ?? 1) + 1)
      } catch (err) {
        report.failedPeers++
        this.components.log('anti-entropy with %p failed: %s', peer, (err as Error).message)
      }
    }

    // Hand-off: keys this node holds but no longer owns.
    for (const k of held) {
      if (confirmed.has(k.hex)) continue
      signal.throwIfAborted()
      const current = await store.info(k.key)
      if (current === undefined) continue
      try {
        const record = await this.replicas.queryAll(this.self, { key: k.key }, { signal })
        await Promise.all(k.owners.map((owner) => this.replicas.push(owner, k.key, record.entries, { signal: this.signal({ signal }) })))
        if (await store.deleteIfUnchanged(k.key, record.digest)) report.handedOff++
      } catch (err) {
        this.components.log('hand-off of %s failed: %s', k.hex.slice(0, 12), (err as Error).message)
      }
    }
    this.confirmed = confirmed
    report.durationMs = Math.round(performance.now() - started)
    this.lastSync = { ...report, at: new Date().toISOString() }
    this.components.log('sync: %o', report)
    return report
  }

  /** Reconcile the keys this node and `peer` both own; returns how many keys needed repair. */
  private async syncWith(peer: PeerId, shared: KeyInfo[], options: { signal: AbortSignal }): Promise<number> {
    const mine = bucketDigests(shared)
    const res = await this.replicas.request(peer, { type: ShardRequest.Type.BUCKETS }, { signal: this.signal(options) })
    if (res.status !== ShardResponse.Status.OK || res.buckets.length !== SHARD_BUCKETS) throw new Error(`BUCKETS answered ${res.status}`)
    let repaired = 0
    for (let bucket = 0; bucket < SHARD_BUCKETS; bucket++) {
      if (equalBytes(mine[bucket] as Uint8Array, res.buckets[bucket] as Uint8Array)) continue
      const theirs = new Map<string, Uint8Array>()
      let after: Uint8Array | undefined
      for (;;) {
        const page = await this.replicas.request(
          peer,
          { type: ShardRequest.Type.KEYS, bucket, after: after as Uint8Array<ArrayBuffer> | undefined },
          { signal: this.signal(options) }
        )
        if (page.status !== ShardResponse.Status.OK) throw new Error(`KEYS answered ${page.status}`)
        for (const k of page.keys) theirs.set(toHex(k.key), k.digest)
        after = page.keys.at(-1)?.key
        if (!page.more || after === undefined) break
      }
      const ours = new Map(shared.filter((k) => k.key[0] === bucket).map((k) => [toHex(k.key), k]))
      const differing = new Set<string>()
      for (const [hex, k] of ours) if (!equalBytes(theirs.get(hex) ?? new Uint8Array(32), k.digest)) differing.add(hex)
      for (const [hex, digest] of theirs) if (!equalBytes(ours.get(hex)?.digest ?? new Uint8Array(32), digest)) differing.add(hex)
      for (const hex of differing) {
        const key = ours.get(hex)?.key ?? Uint8Array.from(Buffer.from(hex, 'hex'))
        if ((await this.repairKey(key, [peer], { signal: this.signal(options) })) > 0) repaired++
      }
    }
    return repaired
  }

  async status(): Promise<ShardStatus> {
    const { store, storeError, peers } = this.components
    const known = peers.list()
    const base: ShardStatus = {
      available: store !== undefined,
      error: storeError?.message,
      location: store?.location ?? storeError?.location,
      replication: this.init.replication,
      writeQuorum: this.init.writeQuorum,
      readQuorum: this.init.readQuorum,
      storagePeers: known.length,
      keys: 0,
      entries: 0,
      bytes: 0,
      owned: 0,
      healthy: 0,
      underReplicated: 0,
      handoff: 0,
      lastSync: this.lastSync
    }
    if (store === undefined) return base
    Object.assign(base, store.stats)
    const target = Math.min(this.init.replication, known.length + 1)
    for await (const info of store.keys()) {
      const owners = this.placement.owners(info.key, known, true)
      if (!owners.some((p) => p.equals(this.self))) {
        base.handoff++
        continue
      }
      base.owned++
      if ((this.confirmed.get(toHex(info.key)) ?? 1) >= target) base.healthy++
      else base.underReplicated++
    }
    return base
  }
}
