import type { PrivateKey } from '@libp2p/interface'
import type { NodeConfig } from '../config/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import type { RealmRegistry } from '../realms/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { Advertiser } from './advertiser.js'
import { BootstrapKeeper } from './bootstrap.js'
import { Directory } from './directory.js'
import { Discovery } from './discovery.js'

export { ADVERT_CODEC, ADVERT_DOMAIN, InvalidAdvertError, MAX_ADVERT_BYTES, openAdvert, sealAdvert, servedTypes } from './advert.js'
export { Advertiser } from './advertiser.js'
export { BootstrapKeeper } from './bootstrap.js'
export { Directory, type DirectoryEntry, EXPIRY_INTERVALS } from './directory.js'
export { DISCONNECT_GRACE_MS, Discovery } from './discovery.js'
export { providerKey } from './provider-keys.js'

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
}

/** Discovery of the federation: advertiser, directory, discovery protocol handlers, bootstrap. */
export class Federation {
  readonly directory: Directory
  readonly advertiser: Advertiser
  readonly discovery: Discovery
  readonly bootstrap: BootstrapKeeper

  constructor(components: FederationComponents, init: FederationInit = {}) {
    const timers = init.timers !== false
    this.directory = new Directory({ advertiseIntervalMs: components.config.discovery.advertiseIntervalMs, now: init.now })
    this.advertiser = new Advertiser(components, { timers })
    this.discovery = new Discovery({ libp2p: components.libp2p, config: components.config, directory: this.directory, advertiser: this.advertiser }, { timers })
    this.bootstrap = new BootstrapKeeper(components.libp2p, [...components.config.discovery.bootstrapNodes, ...(init.bootstrap ?? [])], { timers })
  }

  async start(): Promise<void> {
    await this.discovery.start()
    this.advertiser.start()
    this.bootstrap.start()
  }

  async stop(): Promise<void> {
    this.bootstrap.stop()
    this.advertiser.stop()
    await this.discovery.stop()
  }
}
