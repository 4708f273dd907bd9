import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { SHARD_BUCKETS } from '../../protocol/index.js'
import { equalBytes, toHex } from './keys.js'
import type { StoragePeerSource } from './peer-source.js'
import type { Placement } from './placement.js'
import { digestOf, type Replicas, unionEntries } from './replicas.js'
import { bucketDigests, compareEntries, type KeyInfo, type ShardStore } from './store.js'
import { ShardRequest, ShardResponse } from './wire.js'

/** Keys waiting for read repair at most; more are left to anti-entropy. */
const MAX_PENDING_REPAIRS = 1_000

export interface SyncReport {
  peers: number
  failedPeers: number
  repairedKeys: number
  handedOff: number
  durationMs: number
}

export interface AntiEntropyComponents {
  self: PeerId
  store?: ShardStore
  replicas: Replicas
  placement: Placement
  peers: StoragePeerSource
  /** The deadline signal of one remote operation (optionally tied to a caller's signal). */
  deadline(options: AbortOptions): AbortSignal
  /** Aborted when the node stops. */
  stopped: AbortSignal
  log: Logger
}

/**
 * Read repair, anti-entropy and hand-off: compares bucket and key digests
 * with co-owners, brings differing copies to the union of their entries and
 * moves keys this node no longer owns to their owners.
 */
export class AntiEntropy {
  private syncing?: Promise<SyncReport>
  /** The last pass, for status. */
  lastSync?: SyncReport & { at: string }
  /** Per owned key (hex): replicas confirmed in sync at the last pass, this node included. */
  confirmed = new Map<string, number>()
  private readonly pendingRepairs = new Map<string, { key: Uint8Array; peers: PeerId[] }>()
  private repairing = false

  constructor(private readonly components: AntiEntropyComponents) {}

  /** Queue a read repair (bounded; beyond the bound anti-entropy catches up). */
  schedule(key: Uint8Array, peers: PeerId[]): void {
    const hex = toHex(key)
    if (!this.pendingRepairs.has(hex) && this.pendingRepairs.size >= MAX_PENDING_REPAIRS) return
    this.pendingRepairs.set(hex, { key, peers })
    if (this.repairing) return
    this.repairing = true
    void (async () => {
      while (this.pendingRepairs.size > 0 && !this.components.stopped.aborted) {
        const [next, job] = this.pendingRepairs.entries().next().value as [string, { key: Uint8Array; peers: PeerId[] }]
        this.pendingRepairs.delete(next)
        await this.repairKey(job.key, job.peers, { signal: this.components.deadline({}) }).catch((err: Error) =>
          this.components.log('read repair of %s failed: %s', next.slice(0, 12), err.message)
        )
      }
      this.repairing = false
    })()
  }

  /** Bring `peers` (and this node, if it stores the key) to the union of their copies. Returns how many copies changed. */
  async repairKey(key: Uint8Array, peers: PeerId[], options: AbortOptions = {}): Promise<number> {
    const targets = [...peers.filter((p) => !this.components.replicas.isSelf(p))]
    if (this.components.store !== undefined) targets.unshift(this.components.self)
    const copies = await Promise.all(
      targets.map(async (peer) => {
        try {
          return { peer, record: await this.components.replicas.queryAll(peer, { key }, options) }
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
        await this.components.replicas.push(peer, key, missing, options)
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
    this.syncing ??= this.run(options).finally(() => {
      this.syncing = undefined
    })
    return this.syncing
  }

  private async run(options: AbortOptions): Promise<SyncReport> {
    const started = performance.now()
    const report: SyncReport = { peers: 0, failedPeers: 0, repairedKeys: 0, handedOff: 0, durationMs: 0 }
    const store = this.components.store
    if (store === undefined) return report
    const signal = options.signal ?? this.components.stopped
    const peers = this.components.peers.list()
    const held: Array<KeyInfo & { owners: PeerId[]; hex: string }> = []
    for await (const info of store.keys()) held.push({ ...info, owners: this.components.placement.owners(info.key, peers, true), hex: toHex(info.key) })
    const confirmed = new Map<string, number>()
    for (const k of held) if (k.owners.some((p) => p.equals(this.components.self))) confirmed.set(k.hex, 1)

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
        const record = await this.components.replicas.queryAll(this.components.self, { key: k.key }, { signal })
        await Promise.all(
          k.owners.map((owner) => this.components.replicas.push(owner, k.key, record.entries, { signal: this.components.deadline({ signal }) }))
        )
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
    const res = await this.components.replicas.request(peer, { type: ShardRequest.Type.BUCKETS }, { signal: this.components.deadline(options) })
    if (res.status !== ShardResponse.Status.OK || res.buckets.length !== SHARD_BUCKETS) throw new Error(`BUCKETS answered ${res.status}`)
    let repaired = 0
    for (let bucket = 0; bucket < SHARD_BUCKETS; bucket++) {
      if (equalBytes(mine[bucket] as Uint8Array, res.buckets[bucket] as Uint8Array)) continue
      const theirs = new Map<string, Uint8Array>()
      let after: Uint8Array | undefined
      for (;;) {
        const page = await this.components.replicas.request(
          peer,
          { type: ShardRequest.Type.KEYS, bucket, after: after as Uint8Array<ArrayBuffer> | undefined },
          { signal: this.components.deadline(options) }
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
        if ((await this.repairKey(key, [peer], { signal: this.components.deadline(options) })) > 0) repaired++
      }
    }
    return repaired
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    await this.syncing?.catch(() => undefined)
  }
}
