import type { SubscriptionChangeData } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { advertTopic, QUERY_TYPES } from '../../protocol/index.js'
import type { Advert } from '../../protocol/pb/advert.js'
import type { NodeConfig } from '../config/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import type { RealmRegistry } from '../realms/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { sealAdvert, servedTypes } from './advert.js'
import { providerKey } from './provider-keys.js'
import { SequenceSource } from './sequence.js'

const log = logger('rentahal:federation:advertiser')

/** Wait this long after a change before publishing, to batch bursts of changes. */
export const ADVERT_DEBOUNCE_MS = 100
/** Never publish more often than this (gossip floods starve other traffic). */
export const MIN_ADVERT_GAP_MS = 500
/** Re-provide DHT records every this many advert intervals. */
export const REPROVIDE_INTERVALS = 6
const DHT_TIMEOUT_MS = 10_000
const PROVIDE_DEBOUNCE_MS = 500
const MIN_PROVIDE_GAP_MS = 5_000

export interface AdvertiserComponents {
  libp2p: RentahalLibp2p
  privateKey: PrivateKey
  config: NodeConfig
  realms: RealmRegistry
  workers: WorkerRegistry
  version: string
}

export interface AdvertiserInit {
  /** Run the periodic and debounced publishing; false leaves it to the caller (tests). */
  timers?: boolean
}

/** Publishes this node's signed advert on gossip and provides its query types in the DHT. */
export class Advertiser {
  private readonly seq = new SequenceSource()
  private sealed?: { advert: Advert; bytes: Uint8Array }
  private dirty = true
  private debounce?: NodeJS.Timeout
  private interval?: NodeJS.Timeout
  private lastPublish = 0
  private ticks = 0
  private provided = new Set<string>()
  private readonly controller = new AbortController()
  private readonly onChange = (): void => {
    this.dirty = true
    this.schedule()
  }
  /** A realm was created, updated or deleted at run time: follow its load too, and announce it. */
  private readonly onRealmsChange = (): void => {
    for (const realm of this.components.realms.list()) {
      if (!realm.listeners('change').includes(this.onChange)) realm.on('change', this.onChange)
    }
    this.onChange()
  }
  private lastProvide = 0
  private provideTimer?: NodeJS.Timeout
  private providing?: Promise<void>
  /** Whether the last advert went out to at least one peer on the topic. */
  private reachedPeers = false
  /**
   * A peer subscribed to our topic. If our last advert reached nobody (we were
   * alone), publish soon so that it spreads. Otherwise it is already out: the
   * new peer fetches it directly when it identifies us (Discovery), and the
   * rest of the federation has it. Re-publishing to everyone for every new
   * connection made a storm of adverts, each verified by every node, that
   * saturated 100 nodes (scripts/bench/discovery.ts).
   */
  private readonly onSubscription = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (!this.reachedPeers && evt.detail.subscriptions.some((s) => s.subscribe && s.topic === this.topic)) this.onChange()
  }

  constructor(
    private readonly components: AdvertiserComponents,
    private readonly init: AdvertiserInit = {}
  ) {}

  get topic(): string {
    return advertTopic(this.components.config.federationId)
  }

  start(): void {
    const { workers, realms, libp2p, config } = this.components
    workers.on('change', this.onChange)
    realms.on('change', this.onRealmsChange)
    for (const realm of realms.list()) realm.on('change', this.onChange)
    libp2p.addEventListener('self:peer:update', this.onChange)
    libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscription)
    if (this.init.timers !== false) {
      this.interval = setInterval(() => {
        void this.tick()
      }, config.discovery.advertiseIntervalMs)
      this.interval.unref()
      this.schedule()
    }
  }

  stop(): void {
    const { workers, realms, libp2p } = this.components
    workers.off('change', this.onChange)
    realms.off('change', this.onRealmsChange)
    for (const realm of realms.list()) realm.off('change', this.onChange)
    libp2p.removeEventListener('self:peer:update', this.onChange)
    libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscription)
    clearTimeout(this.debounce)
    clearTimeout(this.provideTimer)
    clearInterval(this.interval)
    this.controller.abort()
  }

  private schedule(): void {
    if (this.init.timers === false || this.debounce !== undefined || this.controller.signal.aborted) return
    const wait = Math.max(ADVERT_DEBOUNCE_MS, this.lastPublish + MIN_ADVERT_GAP_MS - Date.now())
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      void this.publish()
    }, wait)
    this.debounce.unref()
  }

  /** One advert interval: publish, and re-provide every few intervals. */
  async tick(): Promise<void> {
    await this.publish()
    if (this.ticks++ % REPROVIDE_INTERVALS === 0) await this.provide()
  }

  /** The current advert as plain data (fresh sequence number when state changed). */
  build(): Advert {
    const { libp2p, config, realms, workers, version } = this.components
    return {
      federationId: config.federationId,
      peerId: libp2p.peerId.toMultihash().bytes,
      addrs: libp2p.getMultiaddrs().map((a) => a.bytes),
      version,
      seq: this.seq.next(),
      timestampMs: BigInt(Date.now()),
      storesShards: config.sharding.enabled,
      realms: realms.list().map((realm) => ({
        name: realm.name,
        queryTypes: [realm.queryType],
        queueDepth: realm.depth,
        queueCapacity: realm.maxQueueSize,
        inFlight: realm.inFlight,
        workers: workers.list(realm.queryType).map((w) => ({
          id: w.name,
          kind: w.config.kind,
          queryType: w.type,
          models: w.config.models,
          capacity: w.config.capacity,
          inFlight: w.inFlight,
          healthScore: Math.round(w.healthScore),
          blacklisted: w.blacklisted,
          avgServiceMs: Math.round(w.avgServiceMs)
        }))
      }))
    }
  }

  /** The signed advert, re-signed only when something changed. */
  async current(): Promise<Uint8Array> {
    if (this.sealed === undefined || this.dirty) {
      this.dirty = false
      const advert = this.build()
      this.sealed = { advert, bytes: await sealAdvert(advert, this.components.privateKey) }
    }
    return this.sealed.bytes
  }

  /**
   * Publish a fresh advert (new sequence number) on the federation topic now.
   * Always fresh: receivers only refresh an entry's age for a newer sequence.
   */
  async publish(): Promise<void> {
    if (this.controller.signal.aborted) return
    this.lastPublish = Date.now()
    this.dirty = true
    const bytes = await this.current()
    try {
      const result = await this.components.libp2p.services.pubsub.publish(this.topic, bytes)
      this.reachedPeers = result.recipients.length > 0
    } catch (err) {
      log('publish failed: %s', (err as Error).message)
    }
    // Serving a new query type must reach the DHT without waiting for a re-provide round.
    const types = this.sealed === undefined ? new Set<string>() : servedTypes(this.sealed.advert)
    if ([...types].some((t) => !this.provided.has(t))) void this.provide()
  }

  /**
   * The DHT gained a peer: provide again soon (at most every MIN_PROVIDE_GAP_MS),
   * so records placed while this node knew no peers reach the network.
   */
  scheduleProvide(): void {
    if (this.init.timers === false || this.provideTimer !== undefined || this.controller.signal.aborted) return
    const wait = Math.max(PROVIDE_DEBOUNCE_MS, this.lastProvide + MIN_PROVIDE_GAP_MS - Date.now())
    this.provideTimer = setTimeout(() => {
      this.provideTimer = undefined
      void this.provide()
    }, wait)
    this.provideTimer.unref()
  }

  /** Provide one DHT record per query type this node serves. Resolves when every provide settled. */
  provide(): Promise<void> {
    // One round at a time: publish() asks whenever a served type is not provided yet, which is
    // every publish while the DHT has no peers; those asks join the round in flight.
    this.providing ??= this.provideRound().finally(() => {
      this.providing = undefined
    })
    return this.providing
  }

  private async provideRound(): Promise<void> {
    this.lastProvide = Date.now()
    if (this.sealed === undefined) await this.current()
    const types = servedTypes(this.sealed?.advert as Advert)
    const { libp2p, config } = this.components
    await Promise.all(
      QUERY_TYPES.filter((t) => types.has(t)).map(async (type) => {
        const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DHT_TIMEOUT_MS)])
        try {
          await libp2p.contentRouting.provide(await providerKey(config.federationId, type), { signal })
          this.provided.add(type)
        } catch (err) {
          if (!this.controller.signal.aborted) log('provide %s failed: %s', type, (err as Error).message)
        }
      })
    )
  }
}
