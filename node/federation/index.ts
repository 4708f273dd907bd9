import type { PrivateKey } from '@libp2p/interface'
import type { NodeConfig } from '../config/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import type { RealmRegistry } from '../realms/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { Advertiser } from './advertiser.js'
import { BootstrapKeeper } from './bootstrap.js'
import { Directory } from './directory.js'
import { Discovery } from './discovery.js'
import { QueryServer } from './query-server.js'
import { Router } from './router.js'

export { ADVERT_CODEC, ADVERT_DOMAIN, InvalidAdvertError, MAX_ADVERT_BYTES, openAdvert, sealAdvert, servedTypes } from './advert.js'
export { Advertiser } from './advertiser.js'
export { BootstrapKeeper } from './bootstrap.js'
export { Directory, type DirectoryEntry, EXPIRY_INTERVALS } from './directory.js'
export { DISCONNECT_GRACE_MS, Discovery, STALE_REPLAY_MS } from './discovery.js'
export { QueryDeadlineError, RouteError, toWireError } from './errors.js'
export { providerKey } from './provider-keys.js'
export {
  MAX_QUERIES_PER_PEER,
  MAX_QUERY_REQUEST_BYTES,
  MAX_QUERY_RESPONSE_BYTES,
  QUERY_PROTOCOL_VERSION,
  QUERY_STREAM_LIMIT,
  QueryServer
} from './query-server.js'
export { MAX_INFLIGHT_PER_PEER, MAX_ROUTE_ATTEMPTS, Router } from './router.js'

export interface FederationComponents {
  libp2p: RentahalLibp2p
  privateKey: PrivateKey
  config: NodeConfig
  realms: RealmRegistry
  workers: WorkerRegistry
  version: string
}

export interface FederationInit {
  /** Background timers (advert interval, expiry, grace checks, bootstrap retries); false in deterministic tests. */
  timers?: boolean
  /** Directory clock, injectable for tests. */
  now?: () => number
  /** Extra bootstrap multiaddrs (from --bootstrap). */
  bootstrap?: string[]
  /** Forward peers' queries this node cannot serve (off: hop limit 1). */
  relay?: boolean
  maxHops?: number
  /** Overall query deadline when a caller gives none. */
  defaultDeadlineMs?: number
  /** How long a peer may take to send a whole query request. */
  queryRequestTimeoutMs?: number
}

/** Discovery of the federation: advertiser, directory, discovery protocol handlers, bootstrap. */
export class Federation {
  readonly directory: Directory
  readonly advertiser: Advertiser
  readonly discovery: Discovery
  readonly bootstrap: BootstrapKeeper
  readonly router: Router
  readonly queryServer: QueryServer

  constructor(components: FederationComponents, init: FederationInit = {}) {
    const timers = init.timers !== false
    this.directory = new Directory({ advertiseIntervalMs: components.config.discovery.advertiseIntervalMs, now: init.now })
    this.advertiser = new Advertiser(components, { timers })
    this.discovery = new Discovery({ libp2p: components.libp2p, config: components.config, directory: this.directory, advertiser: this.advertiser }, { timers })
    this.bootstrap = new BootstrapKeeper(components.libp2p, [...components.config.discovery.bootstrapNodes, ...(init.bootstrap ?? [])], { timers })
    this.router = new Router(
      { libp2p: components.libp2p, realms: components.realms, directory: this.directory, discovery: this.discovery, config: components.config },
      { defaultDeadlineMs: init.defaultDeadlineMs }
    )
    this.queryServer = new QueryServer(
      { libp2p: components.libp2p, realms: components.realms, relay: this.router },
      { relay: init.relay, maxHops: init.relay === true ? (init.maxHops ?? 3) : 1, requestTimeoutMs: init.queryRequestTimeoutMs }
    )
  }

  async start(): Promise<void> {
    await this.queryServer.start()
    await this.discovery.start()
    this.advertiser.start()
    this.bootstrap.start()
  }

  async stop(): Promise<void> {
    this.router.stop()
    await this.queryServer.stop()
    this.bootstrap.stop()
    this.advertiser.stop()
    await this.discovery.stop()
  }
}
