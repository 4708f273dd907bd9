import { EventEmitter } from 'node:events'
import type { PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Advert } from '../../protocol/pb/advert.js'
import { type OpenedAdvert, servedTypes } from './advert.js'

const log = logger('rentahal:federation:directory')

/** A peer's entry expires after this many advert intervals without an advert. */
export const EXPIRY_INTERVALS = 3

export interface DirectoryEntry {
  peerId: PeerId
  advert: Advert
  /** The signed advert as received (served again by the fetch protocol on request). */
  bytes: Uint8Array
  receivedAt: number
  /** Last measured round trip, ms. */
  rttMs?: number
  /** Types with at least one non-blacklisted worker. */
  types: Set<string>
}

export type IngestResult = 'accepted' | 'duplicate' | 'stale'

export interface DirectoryInit {
  /** The federation's advert interval; entries expire after EXPIRY_INTERVALS of it. */
  advertiseIntervalMs: number
  /** Clock, injectable so tests drive expiry without sleeping. */
  now?: () => number
  /** Most peers kept; beyond it the oldest entry is dropped (bounded memory). */
  maxEntries?: number
}

export interface DirectoryEvents {
  change: [peerId: PeerId]
  remove: [peerId: PeerId]
}

/** The federation-wide view of which peer serves what, built from validated adverts. */
/** Whether a peer has a worker for `type` that is not blacklisted and serves `model`. */
export function servesModel(entry: DirectoryEntry, type: string, model: string): boolean {
  return entry.advert.realms.some((r) => r.workers.some((w) => w.queryType === type && !w.blacklisted && w.models.includes(model)))
}

export class Directory extends EventEmitter<DirectoryEvents> {
  private readonly entries = new Map<string, DirectoryEntry>()
  readonly now: () => number
  private readonly maxEntries: number

  constructor(private readonly init: DirectoryInit) {
    super()
    this.now = init.now ?? Date.now
    this.maxEntries = init.maxEntries ?? 10_000
  }

  get ttlMs(): number {
    return this.init.advertiseIntervalMs * EXPIRY_INTERVALS
  }

  /** Accept a validated advert if its sequence is newer than what we hold. */
  ingest(opened: OpenedAdvert): IngestResult {
    const key = opened.signer.toString()
    const current = this.entries.get(key)
    if (current !== undefined) {
      if (opened.advert.seq === current.advert.seq) return 'duplicate'
      if (opened.advert.seq < current.advert.seq) return 'stale'
    }
    if (current === undefined && this.entries.size >= this.maxEntries) this.evictOldest()
    this.entries.set(key, {
      peerId: opened.signer,
      advert: opened.advert,
      bytes: opened.bytes,
      receivedAt: this.now(),
      rttMs: current?.rttMs,
      types: servedTypes(opened.advert)
    })
    this.emit('change', opened.signer)
    return 'accepted'
  }

  get(peerId: PeerId | string): DirectoryEntry | undefined {
    return this.entries.get(peerId.toString())
  }

  has(peerId: PeerId | string): boolean {
    return this.entries.has(peerId.toString())
  }

  list(): DirectoryEntry[] {
    return [...this.entries.values()]
  }

  /** Peers whose advert serves a query type (and a pinned model, when given). */
  providers(queryType: string, model?: string): DirectoryEntry[] {
    return this.list().filter((e) => {
      if (!e.types.has(queryType)) return false
      return model === undefined || model === '' || servesModel(e, queryType, model)
    })
  }

  setRtt(peerId: PeerId, rttMs: number): void {
    const entry = this.entries.get(peerId.toString())
    if (entry !== undefined) entry.rttMs = rttMs
  }

  remove(peerId: PeerId | string, reason: string): void {
    const entry = this.entries.get(peerId.toString())
    if (entry === undefined) return
    this.entries.delete(peerId.toString())
    log('dropped %s: %s', peerId, reason)
    this.emit('remove', entry.peerId)
  }

  /** Drop every entry without an advert for EXPIRY_INTERVALS intervals. */
  expire(): void {
    const cutoff = this.now() - this.ttlMs
    for (const entry of this.list()) if (entry.receivedAt < cutoff) this.remove(entry.peerId, 'advert expired')
  }

  private evictOldest(): void {
    let oldest: DirectoryEntry | undefined
    for (const e of this.entries.values()) if (oldest === undefined || e.receivedAt < oldest.receivedAt) oldest = e
    if (oldest !== undefined) this.remove(oldest.peerId, 'directory full')
  }
}
