import type { AbortOptions, Libp2p, Logger, PeerId } from '@libp2p/interface'
import { SHARD_MAX_LOCK_TTL_MS, SHARD_PROTOCOL } from '../../protocol/index.js'
import { ShardQuorumError, type ShardStoreUnavailableError } from './errors.js'
import { equalBytes, toHex } from './keys.js'
import { LockTable } from './locks.js'
import type { StoragePeerSource } from './peer-source.js'
import { Placement } from './placement.js'
import { gather } from './quorum.js'
import { AntiEntropy, type SyncReport } from './repair.js'
import { Replicas, unionEntries } from './replicas.js'
import { ShardResponder } from './responder.js'
import type { Entry, EntryQuery, KeyInfo, ShardStore } from './store.js'
import { ShardRequest, ShardResponse } from './wire.js'

export const DEFAULT_ANTI_ENTROPY_INTERVAL_MS = 60_000
export const DEFAULT_REPAIR_DELAY_MS = 2_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000
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

export type { SyncReport }

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
  private readonly repair: AntiEntropy
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
    this.repair = new AntiEntropy({
      self: libp2p.peerId,
      store,
      replicas: this.replicas,
      placement: this.placement,
      peers: components.peers,
      deadline: (options) => this.signal(options),
      stopped: this.controller.signal,
      log
    })
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
    await this.repair.idle()
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
      this.repair.schedule(
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

  /**
   * One anti-entropy pass (compare with every storage peer, reconcile, hand
   * off keys this node no longer owns). The periodic timer and membership
   * changes run this; tests call it.
   */
  sync(options: AbortOptions = {}): Promise<SyncReport> {
    return this.repair.sync(options)
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
      lastSync: this.repair.lastSync
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
      if ((this.repair.confirmed.get(toHex(info.key)) ?? 1) >= target) base.healthy++
      else base.underReplicated++
    }
    return base
  }
}
