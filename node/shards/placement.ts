import type { PeerId } from '@libp2p/interface'
import { compareDistance, keyKadId, peerKadId } from './keys.js'

/** Cached kad ids of peers; peer ids are long-lived, but the cache still has a bound. */
const MAX_CACHED_PEERS = 10_000

interface Candidate {
  id: PeerId
  kadId: Uint8Array
}

/**
 * Which storage peers hold a record: the `replication` peers (this node
 * included when it stores shards) closest to the key by XOR distance in
 * kad-dht's keyspace — the same order `getClosestPeers(key)` returns.
 */
export class Placement {
  private readonly cache = new Map<string, Uint8Array>()

  constructor(
    readonly self: PeerId,
    readonly replication: number
  ) {}

  private candidate(id: PeerId): Candidate {
    const text = id.toString()
    let kadId = this.cache.get(text)
    if (kadId === undefined) {
      if (this.cache.size >= MAX_CACHED_PEERS) this.cache.clear()
      kadId = peerKadId(id)
      this.cache.set(text, kadId)
    }
    return { id, kadId }
  }

  /** Every candidate (self first if storing, then `peers`) ordered by distance to the key. */
  ranked(key: Uint8Array, peers: PeerId[], includeSelf: boolean): PeerId[] {
    const target = keyKadId(key)
    const seen = new Set<string>()
    const all: Candidate[] = []
    for (const id of includeSelf ? [this.self, ...peers] : peers) {
      const text = id.toString()
      if (seen.has(text) || (!includeSelf && id.equals(this.self))) continue
      seen.add(text)
      all.push(this.candidate(id))
    }
    all.sort((a, b) => compareDistance(a.kadId, b.kadId, target))
    return all.map((c) => c.id)
  }

  /** The record's owners: the `replication` closest candidates (all of them when there are fewer). */
  owners(key: Uint8Array, peers: PeerId[], includeSelf: boolean): PeerId[] {
    return this.ranked(key, peers, includeSelf).slice(0, this.replication)
  }
}
