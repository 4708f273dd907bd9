// The composition root: builds every part of a node from its config and
// starts and stops them in order (initialize_planetscale_architecture).
import './polyfill.js'
import { join } from 'node:path'
import type { ConnectionGater } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Level } from 'level'
import { isQueryType } from '../protocol/index.js'
import { loadOrCreateAdminToken } from './admin-token.js'
import type { NodeConfig, WorkerConfig } from './config/index.js'
import { DataDirError, ListenError } from './errors.js'
import { Federation, type FederationInit } from './federation/index.js'
import { buildGateway, type Gateway } from './gateway/index.js'
import { localModels, type ModelEntry } from './gateway/openai.js'
import { createP2P, loadOrCreatePeerKey, type RentahalLibp2p } from './p2p/index.js'
import { type QueryRunner, RealmRegistry, SpeechQueryRunner } from './realms/index.js'
import { Libp2pStoragePeerSource, ShardService, type ShardServiceInit, ShardStore, ShardStoreUnavailableError } from './shards/index.js'
import { openDatabase, prepareDataDir } from './store.js'
import { LevelUserStore, ShardedUserStore, type UserStore } from './users/index.js'
import { VERSION } from './version.js'
import { createWorkerAdapter, LevelWorkerStore, type WorkerAdapter, WorkerRegistry } from './workers/index.js'

export { ADMIN_TOKEN_FILE, AdminTokenError, readAdminToken } from './admin-token.js'
export * from './config/index.js'
export { DataDirError, ListenError } from './errors.js'
export { VERSION } from './version.js'

const log = logger('rentahal:node')

export interface NodeInit {
  config: NodeConfig
  dataDir: string
  /** HTTP gateway address; `false` builds the gateway without listening (tests use inject()). */
  http?: { host: string; port: number } | false
  p2p?: {
    transport?: 'tcp' | 'memory'
    host?: string
    /** TCP port; WebSockets listen on the next one. 0 picks free ports. */
    port?: number
    announce?: string[]
    bootstrap?: string[]
    /** LAN discovery; only with the operator's explicit --mdns. */
    mdns?: boolean
    /** Deny connections (tests use it to partition the federation). */
    connectionGater?: ConnectionGater
  }
  /** Federation settings (tests turn timers off and drive them). */
  federation?: FederationInit
  /** Shard service timers and deadlines (tests set the timers to 0 and drive `shards.sync()`). */
  shards?: Partial<Pick<ShardServiceInit, 'antiEntropyIntervalMs' | 'repairDelayMs' | 'requestTimeoutMs' | 'dialTimeoutMs'>>
  /** Workers from the command line, added to the realms.yml ones. */
  workers?: WorkerConfig[]
  /** Override adapter construction (tests, in-process workers). */
  createAdapter?: (config: WorkerConfig) => WorkerAdapter
  /** Idle queue_update tick (ms); 0 disables. */
  queueTickMs?: number
  /** Background health-check loop; false leaves it to the caller (tests). */
  healthChecks?: boolean
}

export interface RentahalNode {
  readonly config: NodeConfig
  readonly libp2p: RentahalLibp2p
  readonly workers: WorkerRegistry
  readonly realms: RealmRegistry
  readonly users: UserStore
  /** User-data shards; undefined when `database_sharding.enabled` is false. */
  readonly shards: ShardService | undefined
  readonly gateway: Gateway
  readonly federation: Federation
  readonly db: Level<string, unknown>
  readonly peerId: string
  /** Bearer token of the admin API and `/ws` `sysop_login` (the data dir's `admin-token`). */
  readonly adminToken: string
  /** Base URL of the HTTP gateway once listening. */
  readonly httpUrl: string | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

class Node implements RentahalNode {
  httpUrl: string | undefined
  private started = false

  constructor(
    readonly init: NodeInit,
    readonly config: NodeConfig,
    readonly db: Level<string, unknown>,
    readonly libp2p: RentahalLibp2p,
    readonly workers: WorkerRegistry,
    readonly realms: RealmRegistry,
    readonly users: UserStore,
    readonly gateway: Gateway,
    readonly federation: Federation,
    readonly adminToken: string,
    private readonly sharding?: ShardParts
  ) {}

  get shards(): ShardService | undefined {
    return this.sharding?.service
  }

  get peerId(): string {
    return this.libp2p.peerId.toString()
  }

  async start(): Promise<void> {
    if (this.started) return
    try {
      await this.libp2p.start()
    } catch (err) {
      throw listenError(err, `libp2p port ${this.init.p2p?.port ?? 0}`)
    }
    await this.federation.start()
    if (this.sharding !== undefined) {
      await this.sharding.peers.start()
      await this.sharding.service.start()
    }
    if (this.init.healthChecks !== false) this.workers.start()
    const http = this.init.http
    if (http !== undefined && http !== false) {
      try {
        await this.gateway.app.listen({ host: http.host, port: http.port })
      } catch (err) {
        // Undo the start in stop()'s order: nothing of the node may keep running.
        await this.workers.stop()
        await this.sharding?.service.stop()
        this.sharding?.peers.stop()
        await this.federation.stop()
        await this.libp2p.stop()
        throw listenError(err, `HTTP ${http.host}:${http.port}`)
      }
      const address = this.gateway.app.server.address()
      if (address !== null && typeof address === 'object') {
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
        this.httpUrl = `http://${host}:${address.port}`
      }
    }
    this.started = true
    log('started %s', this.peerId)
  }

  async stop(): Promise<void> {
    // Front to back: stop taking requests, cancel queued work, then the network, then storage.
    await this.gateway.close()
    this.realms.close()
    await this.workers.stop()
    await this.sharding?.service.stop()
    this.sharding?.peers.stop()
    await this.federation.stop()
    await this.libp2p.stop()
    await this.sharding?.store?.close()
    await this.db.close()
    this.started = false
    log('stopped %s', this.peerId)
  }
}

function federationModels(directory: Federation['directory']): ModelEntry[] {
  const out: ModelEntry[] = []
  for (const entry of directory.list()) {
    for (const realm of entry.advert.realms) {
      for (const w of realm.workers) {
        if (w.blacklisted || w.queryType === 'speech' || !isQueryType(w.queryType)) continue
        for (const id of w.models.length > 0 ? w.models : [w.id]) out.push({ id, queryType: w.queryType, owner: entry.peerId.toString() })
      }
    }
  }
  return out
}

function listenError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException
  const code = e.code ?? (e.message?.includes('EADDRINUSE') ? 'EADDRINUSE' : undefined)
  if (code === 'EADDRINUSE') return new ListenError(`${what} is already in use`, what)
  if (code === 'EACCES') return new ListenError(`${what}: permission denied`, what)
  if (code === 'EADDRNOTAVAIL') return new ListenError(`${what}: address not available on this host`, what)
  return e
}

/** Build a node (not started). Throws DataDirError or ConfigError with a clear message. */
export async function createNode(init: NodeInit): Promise<RentahalNode> {
  const config = init.config
  await prepareDataDir(init.dataDir)
  const privateKey = await loadOrCreatePeerKey(init.dataDir).catch((err: Error) => {
    throw new DataDirError(`cannot read or create the node key in ${init.dataDir}: ${err.message}`, init.dataDir)
  })
  const adminToken = await loadOrCreateAdminToken(init.dataDir).catch((err: Error) => {
    throw new DataDirError(`cannot read or create the admin token in ${init.dataDir}: ${err.message}`, init.dataDir)
  })
  const db = await openDatabase(init.dataDir)
  let sharding: ShardParts | undefined
  try {
    const workers = new WorkerRegistry({
      healthCheckIntervalMs: config.workers.healthCheckIntervalMs,
      noBlacklistImagine: config.workers.noBlacklistImagine,
      createAdapter: init.createAdapter ?? createWorkerAdapter,
      store: new LevelWorkerStore(db)
    })
    for (const realm of config.realms) for (const w of realm.workers) workers.add(w, { origin: 'config' })
    for (const w of init.workers ?? []) workers.add(w, { origin: 'cli' })
    await workers.restore()
    const realms = new RealmRegistry(config.realms, workers, config.workers.queryTimeoutMs)
    const libp2p = await createP2P({
      privateKey,
      federationId: config.federationId,
      transport: init.p2p?.transport ?? 'tcp',
      host: init.p2p?.host,
      port: init.p2p?.port,
      announce: init.p2p?.announce,
      mdns: init.p2p?.mdns === true || config.discovery.mdns,
      connectionGater: init.p2p?.connectionGater
    })
    const federation = new Federation({ libp2p, privateKey, config, realms, workers, version: VERSION }, { ...init.federation, bootstrap: init.p2p?.bootstrap })
    sharding = config.sharding.enabled ? await createSharding(init, libp2p) : undefined
    const users: UserStore =
      sharding === undefined
        ? new LevelUserStore(db)
        : new ShardedUserStore({ shards: sharding.service, db, self: libp2p.peerId.toString(), log: logger('rentahal:users') })
    // Speech queries are transcribed (and answers spoken) here; the chat part goes through the federation.
    const runner: QueryRunner = new SpeechQueryRunner(federation.router, realms)
    const gateway = await buildGateway(
      {
        config,
        users,
        realms,
        workers,
        runner,
        directory: federation.directory,
        libp2p,
        log: logger('rentahal:gateway'),
        adminToken,
        // /v1/models lists every model any peer serves, not only this node's.
        listModels: async () => [...localModels(workers), ...federationModels(federation.directory)],
        shards: sharding?.service,
        nodeInfo: () => ({
          peerId: libp2p.peerId.toString(),
          addrs: libp2p.getMultiaddrs().map((a) => a.toString()),
          version: VERSION,
          federationId: config.federationId
        })
      },
      { queueTickMs: init.queueTickMs }
    )
    gateway.metrics.gauge('rentahal_libp2p_connections', 'Open libp2p connections to peers', [], (set) => set(libp2p.getConnections().length))
    return new Node(init, config, db, libp2p, workers, realms, users, gateway, federation, adminToken, sharding)
  } catch (err) {
    await sharding?.store?.close()
    await db.close()
    throw err
  }
}

interface ShardParts {
  service: ShardService
  peers: Libp2pStoragePeerSource
  store: ShardStore | undefined
}

/**
 * The shard store lives in its own LevelDB (`<data dir>/shards`): when it
 * cannot be opened the node still starts and routes queries, logs why, stores
 * no shards, and user-data operations fail with that reason.
 */
async function createSharding(init: NodeInit, libp2p: RentahalLibp2p): Promise<ShardParts> {
  const { sharding } = init.config
  let store: ShardStore | undefined
  let storeError: ShardStoreUnavailableError | undefined
  try {
    store = await ShardStore.open(join(init.dataDir, 'shards'))
  } catch (err) {
    if (!(err instanceof ShardStoreUnavailableError)) throw err
    storeError = err
    log.error("%s; user data is unavailable from this node's own store", err.message)
  }
  const peers = new Libp2pStoragePeerSource(libp2p, { replication: sharding.replication }, logger('rentahal:shards:peers'))
  const service = new ShardService(
    { libp2p, peers, store, storeError, log: logger('rentahal:shards') },
    { replication: sharding.replication, writeQuorum: sharding.writeQuorum, readQuorum: sharding.readQuorum, ...init.shards }
  )
  return { service, peers, store }
}
