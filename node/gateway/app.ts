import websocket from '@fastify/websocket'
import type { Logger } from '@libp2p/interface'
import Fastify, { type FastifyInstance } from 'fastify'
import { WS_MAX_PAYLOAD_BYTES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import type { Directory } from '../federation/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import type { QueryRunner, RealmRegistry } from '../realms/index.js'
import type { ShardStatus } from '../shards/index.js'
import type { UserStore } from '../users/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { HttpError, registerErrorHandler } from './http-errors.js'
import { crossOrigin, registerCors, registerRateLimit } from './http-limits.js'
import { ClientHub } from './hub.js'
import { GatewayMetrics } from './metrics.js'
import { Moderation } from './moderation.js'
import type { ModelEntry } from './openai.js'
import { QueryDesk } from './query-desk.js'
import { registerAdminRoutes } from './routes-admin.js'
import { registerFederationRoutes } from './routes-federation.js'
import { registerLegacyRoutes } from './routes-legacy.js'
import { registerNodeRoutes } from './routes-node.js'
import { registerOpenAiRoutes } from './routes-openai.js'
import { registerShardRoutes } from './routes-shards.js'
import { defaultUiDir, registerUiRoutes } from './routes-ui.js'
import { registerWorkerRoutes } from './routes-workers.js'
import { SpeechService } from './speech.js'
import { handleConnection, type SessionContext } from './ws-session.js'

/** Broadcast `queue_update` at most this often (20 a second): see broadcastQueue. */
export const QUEUE_UPDATE_MIN_INTERVAL_MS = 50
/** Legacy v1 pushes `queue_update` about once a second even when idle. */
export const QUEUE_TICK_MS = 1_000

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
  /** Federation view; absent in gateway-only tests. */
  directory?: Directory
  libp2p?: RentahalLibp2p
  /** Open /ws connections (set by the gateway itself). */
  connections?: () => number
  /** The node's admin token (admin API bearer token, `/ws` `sysop_login`). */
  adminToken: string
  /** Models `/v1/models` lists; default: this node's own workers. The federation adds its peers'. */
  listModels?: () => Promise<ModelEntry[]>
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
  desk: QueryDesk
  moderation: Moderation
  /** This node's Prometheus registry; other parts add counters and gauges through it. */
  metrics: GatewayMetrics
  /** Stop timers and close every client socket. */
  close(): Promise<void>
}

/** The HTTP + WebSocket front of a node, built apart from `listen` so tests can `inject()`. */
export async function buildGateway(components: GatewayComponents, init: GatewayInit = {}): Promise<Gateway> {
  const { config, users, realms, workers, log } = components
  const limits = config.gateway
  const wsMaxPayload = init.wsMaxPayload ?? WS_MAX_PAYLOAD_BYTES
  const app = Fastify({
    logger: init.logger ?? false,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    // JSON bodies with __proto__ / constructor keys are refused (400), never merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error'
  })
  registerErrorHandler(app, log.error)
  const hub = new ClientHub()
  const metrics = new GatewayMetrics({ realms, hub })
  const speech = new SpeechService({ workers }, { timeoutMs: config.workers.queryTimeoutMs })
  const desk = new QueryDesk({
    runner: components.runner,
    users,
    config,
    speech,
    observer: metrics,
    onRecordError: (err, guid) => log.error('recording a query of %s failed: %s', guid, err.message)
  })
  // Each submit and each finished query asks for a queue_update to every client: O(clients) frames
  // per query, which at 32 busy clients was most of the node's CPU (scripts/bench/ws.ts). So the
  // broadcast is throttled: the first change after a quiet spell goes out at the end of this
  // event-loop turn, later ones at most every QUEUE_UPDATE_MIN_INTERVAL_MS, and the last state
  // always goes out. A client's own queries still get their position at once (ws-messages.ts).
  let queueBroadcastPending = false
  let lastQueueBroadcast = Number.NEGATIVE_INFINITY
  let queueTimer: NodeJS.Timeout | undefined
  const sendQueueUpdate = (): void => {
    queueBroadcastPending = false
    queueTimer = undefined
    lastQueueBroadcast = performance.now()
    hub.broadcast({ type: 'queue_update', depth: realms.depth, total: realms.totalWorkers }, undefined, true)
  }
  const broadcastQueue = (): void => {
    if (queueBroadcastPending) return
    queueBroadcastPending = true
    const wait = lastQueueBroadcast + QUEUE_UPDATE_MIN_INTERVAL_MS - performance.now()
    if (wait <= 0) setImmediate(sendQueueUpdate)
    else {
      queueTimer = setTimeout(sendQueueUpdate, wait)
      queueTimer.unref()
    }
  }
  const moderation = new Moderation({ users, hub, desk, broadcastQueue })
  const ctx: SessionContext = {
    config,
    users,
    realms,
    workers,
    desk,
    hub,
    moderation,
    log,
    huggingfaceModels: [],
    broadcastQueue,
    adminToken: components.adminToken,
    wsMaxPayload
  }

  const timers: NodeJS.Timeout[] = []
  const tickMs = init.queueTickMs ?? QUEUE_TICK_MS
  if (tickMs > 0) timers.push(setInterval(() => hub.size > 0 && broadcastQueue(), tickMs))
  // Heartbeat: a socket that did not answer the previous ping (nor sent anything) is closed.
  timers.push(
    setInterval(
      () => {
        for (const client of hub.all()) {
          if (!client.alive) {
            client.socket.close(1001, 'Idle timeout: no answer to ping')
            continue
          }
          client.alive = false
          client.socket.ping()
        }
      },
      Math.max(25, limits.wsIdleTimeoutMs / 2)
    )
  )
  for (const t of timers) t.unref()
  const onWorkersChange = (): void => hub.broadcast({ type: 'worker_update', workers: workers.list().map((w) => w.toLegacy()) })
  const onBlacklisted = (w: { name: string }): void => hub.broadcast({ type: 'sysop_message', message: `WARNING: Worker ${w.name} has been blacklisted` })
  workers.on('change', onWorkersChange)
  workers.on('blacklisted', onBlacklisted)

  registerCors(app, limits)
  await registerRateLimit(app, limits)
  await app.register(websocket, { options: { maxPayload: wsMaxPayload } })
  const openPerIp = new Map<string, number>()
  app.register(async (scope) => {
    scope.get(
      '/ws',
      {
        websocket: true,
        // Refused before the upgrade, with a status a client can read.
        preValidation: async (request) => {
          const origin = crossOrigin(request)
          if (origin !== undefined && !limits.corsOrigins.includes(origin)) {
            throw new HttpError(403, `Origin ${origin} may not open /ws (gateway.cors_origins)`, 'CorsError')
          }
          const open = openPerIp.get(request.ip) ?? 0
          if (limits.wsConnectionsPerIp > 0 && open >= limits.wsConnectionsPerIp) {
            throw new HttpError(429, `Too many /ws connections from your address (at most ${limits.wsConnectionsPerIp})`, 'ConnectionLimitError')
          }
        }
      },
      (socket, request) => {
        const ip = request.ip
        openPerIp.set(ip, (openPerIp.get(ip) ?? 0) + 1)
        socket.once('close', () => {
          const n = (openPerIp.get(ip) ?? 1) - 1
          if (n <= 0) openPerIp.delete(ip)
          else openPerIp.set(ip, n)
        })
        handleConnection(socket, request.raw, ctx).catch((err) => {
          log.error('websocket session failed: %s', (err as Error).message)
          socket.close(1011, 'Internal error')
        })
      }
    )
  })

  // One file per group of routes.
  components.connections = () => hub.size
  registerNodeRoutes(app, components, ctx)
  registerFederationRoutes(app, components)
  registerLegacyRoutes(app, components, desk)
  registerAdminRoutes(app, components, hub, moderation)
  registerOpenAiRoutes(app, components, desk)
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.text()
    return reply.header('content-type', contentType).send(body)
  })
  registerWorkerRoutes(app, components)
  await registerUiRoutes(app, defaultUiDir())
  registerShardRoutes(app, components)

  return {
    app,
    hub,
    desk,
    moderation,
    metrics,
    async close() {
      for (const t of timers) clearInterval(t)
      clearTimeout(queueTimer)
      workers.off('change', onWorkersChange)
      workers.off('blacklisted', onBlacklisted)
      for (const client of hub.all()) {
        client.controller.abort()
        client.socket.close(1001, 'Node is stopping')
      }
      // REST and OpenAI requests still waiting for a worker answer at once instead of holding the close.
      desk.cancelAll()
      await app.close()
      // Answers already sent: their records must be written before the stores close.
      await desk.drain()
    }
  }
}
