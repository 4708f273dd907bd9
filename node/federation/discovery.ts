import type { Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { IdentifyResult, PeerId, Stream } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { toString as bytesToString, equals as equalBytes, fromString } from 'uint8arrays'
import { ADVERT_PROTOCOL, dhtProtocol, QUERY_TYPES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import { InvalidAdvertError, MAX_ADVERT_BYTES, type OpenedAdvert, openAdvert } from './advert.js'
import type { Advertiser } from './advertiser.js'
import type { Directory } from './directory.js'
import { providerKey } from './provider-keys.js'

const log = logger('rentahal:federation:discovery')

/** After a disconnect, wait this long before checking whether the peer is gone for good. */
export const DISCONNECT_GRACE_MS = 3_000
const FETCH_TIMEOUT_MS = 5_000
const LOOKUP_TIMEOUT_MS = 10_000
const PING_TIMEOUT_MS = 2_000
/**
 * An advert this much older than the one held (by sequence, which is ms) is a
 * replay, not reordering: gossip delivers late by seconds at most (mcache).
 * Rejecting merely reordered adverts penalised honest forwarders on
 * multi-path topologies until they were graylisted and adverts stopped.
 */
export const STALE_REPLAY_MS = 30_000
const LOOKUP_DEFER_MS = 50
/** A provider lookup for a type starts at most this often (a walk takes up to LOOKUP_TIMEOUT_MS). */
const LOOKUP_MIN_GAP_MS = 5_000
/** Concurrent advert-fetch streams one connection may open to us. */
const ADVERT_STREAM_LIMIT = 8
/** Cap on concurrent outgoing advert fetches (a DHT answer can name many peers). */
const MAX_PARALLEL_FETCHES = 16

export interface DiscoveryComponents {
  libp2p: RentahalLibp2p
  config: NodeConfig
  directory: Directory
  advertiser: Advertiser
}

export interface DiscoveryInit {
  /** Run background timers (expiry, RTT, grace checks); false leaves them to the caller. */
  timers?: boolean
}

/**
 * Fills the directory: validates adverts arriving on gossip, serves and
 * fetches adverts directly, asks the DHT for providers when joining, and
 * forgets peers that expire or leave for good.
 */
export class Discovery {
  private interval?: NodeJS.Timeout
  private readonly graceTimers = new Map<string, NodeJS.Timeout>()
  /** When a provider lookup for each query type last started. */
  private readonly lastLookup = new Map<string, number>()
  private readonly fetching = new Set<string>()
  private readonly controller = new AbortController()
  private lookedUp = false
  /** Counts of adverts refused, by reason (for tests and metrics). */
  readonly rejected = { invalid: 0, stale: 0 }

  constructor(
    private readonly components: DiscoveryComponents,
    private readonly init: DiscoveryInit = {}
  ) {}

  private get topic(): string {
    return this.components.advertiser.topic
  }

  async start(): Promise<void> {
    const { libp2p, config } = this.components
    const pubsub = libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
    await libp2p.handle(ADVERT_PROTOCOL, this.serveAdvert, { maxInboundStreams: ADVERT_STREAM_LIMIT, maxOutboundStreams: ADVERT_STREAM_LIMIT })
    libp2p.addEventListener('peer:identify', this.onIdentify)
    libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    libp2p.addEventListener('peer:connect', this.onConnect)
    this.components.directory.on('change', this.onEntry)
    if (this.init.timers !== false) {
      this.interval = setInterval(() => {
        this.components.directory.expire()
        this.measureRtts()
      }, config.discovery.advertiseIntervalMs)
      this.interval.unref()
    }
  }

  async stop(): Promise<void> {
    const { libp2p } = this.components
    this.controller.abort()
    clearInterval(this.interval)
    for (const t of this.graceTimers.values()) clearTimeout(t)
    this.graceTimers.clear()
    libp2p.removeEventListener('peer:identify', this.onIdentify)
    libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    libp2p.removeEventListener('peer:connect', this.onConnect)
    this.components.directory.off('change', this.onEntry)
    libp2p.services.pubsub.topicValidators.delete(this.topic)
    await libp2p.unhandle(ADVERT_PROTOCOL)
  }

  /** Gossip validation: bad adverts are rejected so gossipsub's score penalises the sender. */
  private readonly validate = async (_from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    if (msg.type !== 'signed') {
      this.rejected.invalid++
      return TopicValidatorResult.Reject
    }
    let opened: Awaited<ReturnType<typeof openAdvert>>
    try {
      opened = await openAdvert(msg.data, this.components.config.federationId)
    } catch (err) {
      this.rejected.invalid++
      log('rejected advert from %s: %s', msg.from, (err as Error).message)
      return TopicValidatorResult.Reject
    }
    // The gossip signer must be the advert's signer: nobody relays someone else's advert as their own.
    if (!opened.signer.equals(msg.from)) {
      this.rejected.invalid++
      log('rejected advert of %s published by %s', opened.signer, msg.from)
      return TopicValidatorResult.Reject
    }
    if (opened.signer.equals(this.components.libp2p.peerId)) return TopicValidatorResult.Ignore
    switch (this.ingest(opened)) {
      case 'accepted':
        return TopicValidatorResult.Accept
      case 'duplicate':
        return TopicValidatorResult.Ignore
      default: {
        // Older than the advert we hold from that signer. A little older is reordering: the same
        // advert took a slower path, and the peer that forwarded it is honest, so only ignore it.
        // Much older (sequences are ms timestamps) can only be a replay: reject, which makes
        // gossipsub's score penalise the peer that sent it.
        this.rejected.stale++
        const held = this.components.directory.get(opened.signer)?.advert.seq ?? 0n
        return held - opened.advert.seq > BigInt(STALE_REPLAY_MS) ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
      }
    }
  }

  /**
   * Put an advert in the directory and, when they are new, its addresses in
   * the peer store: the router can then dial a serving peer it is not
   * connected to straight away. Without them a dial by peer id waits for a
   * DHT peer lookup, which at 100 nodes often outlived the query deadline
   * (scripts/bench/discovery.ts). The addresses are signed with the advert.
   */
  private ingest(opened: OpenedAdvert): ReturnType<Directory['ingest']> {
    const { directory, libp2p } = this.components
    const before = directory.get(opened.signer)?.advert.addrs
    const result = directory.ingest(opened)
    const addrs = opened.advert.addrs
    const changed = before === undefined || before.length !== addrs.length || before.some((a, i) => !equalBytes(a, addrs[i] as Uint8Array))
    if (result === 'accepted' && changed && addrs.length > 0) {
      try {
        const multiaddrs = addrs.map((a) => multiaddr(a))
        libp2p.peerStore.merge(opened.signer, { multiaddrs }).catch((err: Error) => log('keeping the addresses of %s failed: %s', opened.signer, err.message))
      } catch (err) {
        log('advert of %s has an unreadable address: %s', opened.signer, (err as Error).message)
      }
    }
    return result
  }

  /** Advert fetch protocol, server side: one request (federation id), one answer (signed advert or empty). */
  private readonly serveAdvert = async (stream: Stream): Promise<void> => {
    const lp = lpStream(stream, { maxDataLength: 256 })
    try {
      const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS)
      const request = await lp.read({ signal })
      const federation = bytesToString(request.subarray())
      const ours = federation === this.components.config.federationId
      await lp.write(ours ? await this.components.advertiser.current() : new Uint8Array(0), { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  /** Fetch a peer's current advert directly and put it in the directory. */
  async fetchAdvert(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const key = peerId.toString()
    if (this.fetching.has(key) || this.fetching.size >= MAX_PARALLEL_FETCHES || peerId.equals(this.components.libp2p.peerId)) return false
    this.fetching.add(key)
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])])
    try {
      const stream = await this.components.libp2p.dialProtocol(peerId, ADVERT_PROTOCOL, { signal })
      const lp = lpStream(stream, { maxDataLength: MAX_ADVERT_BYTES })
      await lp.write(fromString(this.components.config.federationId), { signal })
      const answer = (await lp.read({ signal })).subarray()
      await stream.close({ signal }).catch(() => undefined)
      if (answer.byteLength === 0) return false
      const opened = await openAdvert(answer, this.components.config.federationId)
      if (!opened.signer.equals(peerId)) throw new InvalidAdvertError(`peer ${peerId} served an advert of ${opened.signer}`)
      return this.ingest(opened) === 'accepted'
    } catch (err) {
      if (!this.controller.signal.aborted) log('fetching the advert of %s failed: %s', peerId, (err as Error).message)
      return false
    } finally {
      this.fetching.delete(key)
    }
  }

  /**
   * Ask the DHT who provides each query type (or the given ones) and fetch
   * the adverts of providers the directory does not know yet. A type looked
   * up within LOOKUP_MIN_GAP_MS is skipped unless `force`.
   */
  async lookupProviders(types: readonly string[] = QUERY_TYPES, options: { signal?: AbortSignal; force?: boolean } = {}): Promise<void> {
    const { libp2p, config, directory } = this.components
    // One DHT walk per type at a time and at most every LOOKUP_MIN_GAP_MS: the router asks on every
    // query that finds no candidate, and a client retrying such a query must not start a walk each time.
    const now = Date.now()
    if (options.force !== true) types = types.filter((t) => now - (this.lastLookup.get(t) ?? Number.NEGATIVE_INFINITY) >= LOOKUP_MIN_GAP_MS)
    if (types.length === 0) return
    for (const t of types) this.lastLookup.set(t, now)
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(LOOKUP_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])])
    const fetches: Array<Promise<boolean>> = []
    await Promise.all(
      types.map(async (type) => {
        try {
          for await (const provider of libp2p.contentRouting.findProviders(await providerKey(config.federationId, type), { signal })) {
            if (provider.id.equals(libp2p.peerId) || directory.has(provider.id)) continue
            if (provider.multiaddrs.length > 0) await libp2p.peerStore.merge(provider.id, { multiaddrs: provider.multiaddrs })
            fetches.push(this.fetchAdvert(provider.id, { signal }))
          }
        } catch (err) {
          if (!signal.aborted) log('provider lookup for %s failed: %s', type, (err as Error).message)
        }
      })
    )
    await Promise.all(fetches)
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (protocols.includes(ADVERT_PROTOCOL) && !this.components.directory.has(peerId)) void this.fetchAdvert(peerId)
    if (protocols.includes(dhtProtocol(this.components.config.federationId))) this.components.advertiser.scheduleProvide()
    // The first DHT peer of a node that just joined: ask the DHT before any advert arrives.
    // Deferred a moment so kad-dht has added the peer to its routing table.
    if (!this.lookedUp && protocols.includes(dhtProtocol(this.components.config.federationId))) {
      this.lookedUp = true
      const timer = setTimeout(() => void this.lookupProviders(), LOOKUP_DEFER_MS)
      timer.unref()
    }
  }

  /** A new directory entry for a connected peer gets its RTT measured at once, not at the next interval. */
  private readonly onEntry = (peerId: PeerId): void => {
    const entry = this.components.directory.get(peerId)
    if (entry === undefined || entry.rttMs !== undefined || this.controller.signal.aborted) return
    const connections = this.components.libp2p.getConnections(peerId)
    if (connections.length === 0) return
    // The connection monitor may have measured it already; one ping of our own otherwise (ping allows PING_STREAM_LIMIT streams).
    const known = connections.map((c) => c.rtt).filter((rtt): rtt is number => rtt !== undefined)
    if (known.length > 0) {
      this.components.directory.setRtt(peerId, Math.min(...known))
      return
    }
    this.components.libp2p.services.ping
      .ping(peerId, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(PING_TIMEOUT_MS)]) })
      .then((rtt) => this.components.directory.setRtt(peerId, rtt))
      .catch(() => undefined)
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const timer = this.graceTimers.get(evt.detail.toString())
    if (timer !== undefined) {
      clearTimeout(timer)
      this.graceTimers.delete(evt.detail.toString())
    }
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peerId = evt.detail
    if (!this.components.directory.has(peerId) || this.init.timers === false) return
    const key = peerId.toString()
    clearTimeout(this.graceTimers.get(key))
    const timer = setTimeout(() => {
      this.graceTimers.delete(key)
      void this.checkGone(peerId)
    }, DISCONNECT_GRACE_MS)
    timer.unref()
    this.graceTimers.set(key, timer)
  }

  /** A peer that disconnected and cannot be reached again is gone for good. */
  async checkGone(peerId: PeerId): Promise<boolean> {
    const { libp2p, directory } = this.components
    if (libp2p.getConnections(peerId).length > 0) return false
    try {
      await libp2p.dial(peerId, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) })
      return false
    } catch {
      if (this.controller.signal.aborted) return false
      directory.remove(peerId, 'disconnected and unreachable')
      return true
    }
  }

  /**
   * Keep connected directory peers' RTT current, from what libp2p's connection
   * monitor measured: it pings every connection every 10 s anyway. A ping of
   * our own on the same connection collided with the monitor's (the ping
   * protocol allows one outbound stream per connection), the monitor's failed,
   * and it aborted the connection: constant reconnects, each one re-publishing
   * adverts (scripts/bench/discovery.ts).
   */
  measureRtts(): void {
    const { libp2p, directory } = this.components
    for (const entry of directory.list()) {
      const rtts = libp2p
        .getConnections(entry.peerId)
        .map((c) => c.rtt)
        .filter((rtt): rtt is number => rtt !== undefined)
      if (rtts.length > 0) directory.setRtt(entry.peerId, Math.min(...rtts))
    }
  }
}
