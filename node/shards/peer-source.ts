import type { AbortOptions, IdentifyResult, Libp2p, Logger, PeerId, PeerUpdate } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { SHARD_PROTOCOL } from '../../protocol/index.js'

/**
 * The storage peers a node knows, other than itself. Placement ranks these;
 * the federation directory can implement the same interface later.
 */
export interface StoragePeerSource {
  list(): PeerId[]
  /** `change`: the set of storage peers changed. */
  addEventListener(type: 'change', listener: (evt: Event) => void): void
  removeEventListener(type: 'change', listener: (evt: Event) => void): void
  /** Look for more storage peers near `key` (e.g. through the DHT). Optional. */
  discover?(key: Uint8Array, options?: AbortOptions): Promise<void>
}

export interface Libp2pStoragePeerSourceInit {
  /** Fewest storage peers (self included) before `discover` asks the DHT. */
  replication: number
  /** Storage peers dialled per discovery at most. */
  maxDials?: number
  /** Minimum time between two DHT look-ups. */
  discoveryCooldownMs?: number
  now?: () => number
}

type Node = Libp2p<{ dht?: KadDHT }>

/**
 * Storage peers straight from libp2p: connected peers whose identify-reported
 * protocols include SHARD_PROTOCOL (peer store + `peer:identify`,
 * `peer:update`, `peer:disconnect`), and a kad-dht closest-peers look-up when
 * fewer than `replication` are known.
 */
export class Libp2pStoragePeerSource extends EventTarget implements StoragePeerSource {
  private readonly peers = new Map<string, PeerId>()
  private lastDiscovery = Number.NEGATIVE_INFINITY
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => this.set(evt.detail.peerId, evt.detail.protocols)
  /**
   * A peer that stops offering the protocol is dropped. Peers are only added from
   * identify: libp2p also records a protocol for a peer that merely opened a stream
   * with it, and a client of our shards is not a storage peer.
   */
  private readonly onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer } = evt.detail
    if (!peer.protocols.includes(SHARD_PROTOCOL) && this.peers.has(peer.id.toString())) this.set(peer.id, peer.protocols)
  }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (this.peers.delete(evt.detail.toString())) this.changed()
  }

  constructor(
    private readonly node: Node,
    private readonly init: Libp2pStoragePeerSourceInit,
    private readonly log: Logger
  ) {
    super()
  }

  async start(): Promise<void> {
    this.node.addEventListener('peer:identify', this.onIdentify)
    this.node.addEventListener('peer:update', this.onUpdate)
    this.node.addEventListener('peer:disconnect', this.onDisconnect)
    for (const conn of this.node.getConnections()) {
      try {
        const peer = await this.node.peerStore.get(conn.remotePeer)
        this.set(peer.id, peer.protocols)
      } catch {
        // not in the peer store yet: identify will tell
      }
    }
  }

  stop(): void {
    this.node.removeEventListener('peer:identify', this.onIdentify)
    this.node.removeEventListener('peer:update', this.onUpdate)
    this.node.removeEventListener('peer:disconnect', this.onDisconnect)
    this.peers.clear()
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'))
  }

  list(): PeerId[] {
    return [...this.peers.values()]
  }

  private set(peer: PeerId, protocols: string[]): void {
    if (peer.equals(this.node.peerId)) return
    const key = peer.toString()
    const stores = protocols.includes(SHARD_PROTOCOL) && this.node.getConnections(peer).length > 0
    if (stores && !this.peers.has(key)) {
      this.peers.set(key, peer)
      this.changed()
    } else if (!stores && this.peers.delete(key)) {
      this.changed()
    }
  }

  /**
   * When fewer than `replication` storage peers are known, ask the DHT for the
   * peers closest to `key` and dial some; identify then reports whether they
   * store shards. At most one look-up per cooldown.
   */
  async discover(key: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const dht = this.node.services.dht
    const now = (this.init.now ?? Date.now)()
    if (dht === undefined || this.peers.size + 1 >= this.init.replication) return
    if (now - this.lastDiscovery < (this.init.discoveryCooldownMs ?? 30_000)) return
    this.lastDiscovery = now
    let dials = 0
    try {
      for await (const event of dht.getClosestPeers(key, options)) {
        if (event.name !== 'FINAL_PEER' && event.name !== 'PEER_RESPONSE') continue
        const found = event.name === 'FINAL_PEER' ? [event.peer] : event.closer
        for (const info of found) {
          if (info.id.equals(this.node.peerId) || this.peers.has(info.id.toString())) continue
          if (this.node.getConnections(info.id).length > 0) continue
          if (dials >= (this.init.maxDials ?? this.init.replication * 2)) return
          dials++
          await this.node.dial(info.id, options).catch((err: Error) => this.log('dial %p for shards failed: %s', info.id, err.message))
        }
      }
    } catch (err) {
      this.log('closest-peers look-up failed: %s', (err as Error).message)
    }
  }
}
