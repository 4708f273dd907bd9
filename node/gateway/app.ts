import websocket from '@fastify/websocket'
import type { Logger } from '@libp2p/interface'
import Fastify, { type FastifyInstance } from 'fastify'
import { WS_MAX_PAYLOAD_BYTES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import type { QueryRunner, RealmRegistry } from '../realms/index.js'
import type { ShardStatus } from '../shards/index.js'
import type { UserStore } from '../users/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { ClientHub } from './hub.js'
import { QueryDesk } from './query-desk.js'
import { registerNodeRoutes } from './routes-node.js'
import { registerShardRoutes } from './routes-shards.js'
import { handleConnection, type SessionContext } from './ws-session.js'

/** Legacy v1 pushes `queue_update` about once a second even when idle. */
export const QUEUE_TICK_MS = 1_000
/** Largest HTTP request body. */
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024

export interface NodeInfo {
  peerId: string
  addrs: string[]
  version: string
  federationId: string
}

export interface GatewayComponents {
  config: NodeConfig
  users: UserStore
  realms: RealmRegistry
  workers: WorkerRegistry
  runner: QueryRunner
  nodeInfo: () => NodeInfo
  log: Logger
  /** User-data shards, when sharding is enabled. */
  shards?: { status(): Promise<ShardStatus> }
}

export interface GatewayInit {
  /** Idle `queue_update` tick; 0 disables it. */
  queueTickMs?: number
  wsMaxPayload?: number
  /** Fastify logger; off by default (the CLI prints its own lines). */
  logger?: boolean
}

export interface Gateway {
  app: FastifyInstance
  hub: ClientHub
  /** Stop timers and close every client socket. */
  close(): Promise<void>
}

/** The HTTP + WebSocket front of a node, built apart from `listen` so tests can `inject()`. */
export async function buildGateway(components: GatewayComponents, init: GatewayInit = {}): Promise<Gateway> {
  const { config, users, realms, workers, log } = components
  const app = Fastify({
    logger: init.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 120_000
  })
  const hub = new ClientHub()
  const desk = new QueryDesk({ runner: components.runner, users, config })
  const broadcastQueue = (): void => {
    hub.broadcast({ type: 'queue_update', depth: realms.depth, total: realms.totalWorkers }, undefined, true)
  }
  const ctx: SessionContext = { config, users, realms, workers, desk, hub, log, huggingfaceModels: [], broadcastQueue }

  const tickMs = init.queueTickMs ?? QUEUE_TICK_MS
  const tick = tickMs > 0 ? setInterval(() => hub.size > 0 && broadcastQueue(), tickMs) : undefined
  tick?.unref()
  workers.on('change', () => hub.broadcast({ type: 'worker_update', workers: workers.list().map((w) => w.toLegacy()) }))
  workers.on('blacklisted', (w) => hub.broadcast({ type: 'sysop_message', message: `WARNING: Worker ${w.name} has been blacklisted` }))

  await app.register(websocket, { options: { maxPayload: init.wsMaxPayload ?? WS_MAX_PAYLOAD_BYTES } })
  app.register(async (scope) => {
    scope.get('/ws', { websocket: true }, (socket, request) => {
      handleConnection(socket, request.raw, ctx).catch((err) => {
        log.error('websocket session failed: %s', (err as Error).message)
        socket.close(1011, 'Internal error')
      })
    })
  })

  // One file per group of routes; each gets the same components.
  registerNodeRoutes(app, components, ctx)
  registerShardRoutes(app, components)

  return {
    app,
    hub,
    async close() {
      clearInterval(tick)
      for (const client of hub.all()) {
        client.controller.abort()
        client.socket.close(1001, 'Node is stopping')
      }
      await app.close()
    }
  }
}
