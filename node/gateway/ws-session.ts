import type { IncomingMessage } from 'node:http'
import type { Logger } from '@libp2p/interface'
import type { WebSocket } from 'ws'
import { LEGACY_ERRORS, type LegacyQueryRecord, PREVIOUS_QUERIES_LIMIT, QUERY_TYPES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import type { RealmRegistry } from '../realms/index.js'
import { canonicalGuid, newGuid, toLegacyUserInfo, type User, type UserStore } from '../users/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { cookieValue } from './auth.js'
import { legacyErrorMessage } from './errors.js'
import { type Client, type ClientHub, clientController } from './hub.js'
import type { Moderation } from './moderation.js'
import type { QueryDesk } from './query-desk.js'
import { VisionUploads } from './vision-upload.js'
import { MessageRateLimiter, withCloseReasons } from './ws-limits.js'
import { handleMessage, type Session } from './ws-messages.js'

/** Messages held while the handshake runs; a client sending more is closed. */
export const MAX_EARLY_MESSAGES = 256
/** Users listed by name in the greeting; the rest are counted (each listed user costs a store read per join). */
export const GREETING_MAX_USERS = 20
/** Own recent queries in the greeting (legacy: 5). */
const GREETING_RECENT_QUERIES = 5
/** At most one "slow down" error frame per this many ms. */
const RATE_WARNING_INTERVAL_MS = 1_000

export interface SessionContext {
  config: NodeConfig
  users: UserStore
  realms: RealmRegistry
  workers: WorkerRegistry
  desk: QueryDesk
  hub: ClientHub
  moderation: Moderation
  log: Logger
  /** The legacy HuggingFace model list (shown to users; kept in memory). */
  huggingfaceModels: Array<{ name: string; type: string }>
  /** Broadcast the global queue state to every client. */
  broadcastQueue: () => void
  /** Presenting it with `sysop_login` makes a user sysop. */
  adminToken: string
  wsMaxPayload: number
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

const money = (n: number): string => `$${n.toFixed(2)}`

/** Serve one `/ws` connection: the legacy handshake (§2.1), then its messages until it closes. */
export async function handleConnection(socket: WebSocket, request: IncomingMessage, ctx: SessionContext): Promise<void> {
  withCloseReasons(socket, ctx.wsMaxPayload)
  const { wsMessagesPerSecond, wsMessageBurst } = ctx.config.gateway
  const limiter = new MessageRateLimiter(wsMessagesPerSecond, wsMessageBurst)
  let dropped = 0
  let lastWarning = Number.NEGATIVE_INFINITY
  // Set once the handshake has admitted the client.
  let client: Client | undefined

  // Messages that arrive during the (async) handshake are held and handled after it, in order.
  const early: string[] = []
  let onMessage: (text: string) => void = (text) => {
    if (early.length >= MAX_EARLY_MESSAGES) {
      socket.close(1008, 'Too many messages before the handshake finished')
      return
    }
    early.push(text)
  }
  socket.on('message', (data, isBinary) => {
    if (client !== undefined) client.alive = true
    if (!limiter.take()) {
      // Over the rate: drop the message and say so; a client that keeps flooding is closed.
      dropped++
      if (dropped > wsMessageBurst) {
        socket.close(1008, `Message rate limit exceeded (${wsMessagesPerSecond} per second)`)
        return
      }
      const now = performance.now()
      if (client !== undefined && now - lastWarning >= RATE_WARNING_INTERVAL_MS) {
        lastWarning = now
        ctx.hub.send(client, { type: 'error', message: `Too many messages: slow down (at most ${wsMessagesPerSecond} per second)` })
      }
      return
    }
    dropped = 0
    onMessage(isBinary ? '' : data.toString())
  })
  socket.on('pong', () => {
    if (client !== undefined) client.alive = true
  })

  const cookieGuid = canonicalGuid(cookieValue(request.headers.cookie, 'user_guid'))
  const guid = cookieGuid ?? newGuid()
  let user: User
  try {
    // Only a fresh node's first loopback user becomes sysop. Once anyone joined, the store is not
    // empty: skip counting every user on every join (O(users) each, quadratic for a crowd).
    const sysop = ctx.config.firstLoopbackUserIsSysop && isLoopback(request.socket.remoteAddress) && ctx.hub.peak === 0 && (await ctx.users.count()) === 0
    user = (await ctx.users.getOrCreate(guid, { sysop })).user
  } catch (err) {
    ctx.log.error('user store unavailable: %s', (err as Error).message)
    socket.close(1011, 'User store unavailable')
    return
  }
  if (socket.readyState !== socket.OPEN) return

  const joined: Client = { socket, guid, isSysop: user.isSysop, controller: clientController(), alive: true, raw: request.socket }
  const send = (frame: object): boolean => ctx.hub.send(joined, frame)
  if (cookieGuid === undefined) send({ type: 'set_cookie', name: 'user_guid', value: guid })
  send({ type: 'user_info', data: toLegacyUserInfo(user) })
  if (user.isBanned) {
    send({ type: 'error', message: LEGACY_ERRORS.banned })
    socket.close(1008, 'Banned')
    return
  }
  client = joined
  ctx.hub.add(joined, user)
  const session: Session = { client: joined, uploads: new VisionUploads() }
  socket.on('close', () => {
    ctx.hub.delete(joined)
    joined.controller.abort()
    session.uploads.clear()
    ctx.hub.pushActiveUsers()
  })

  try {
    const history = await ctx.users.history(guid, PREVIOUS_QUERIES_LIMIT)
    for (const message of await greeting(ctx, user, history)) send({ type: 'sysop_message', message })
    send({ type: 'previous_queries', data: history })
  } catch (err) {
    send({ type: 'error', message: legacyErrorMessage(err) })
  }
  send({ type: 'worker_update', workers: ctx.workers.list().map((w) => w.toLegacy()) })
  send({ type: 'huggingface_update', models: ctx.huggingfaceModels })
  // Legacy pushes active_users to every sysop when a sysop connects; we also do it for every join and leave.
  ctx.hub.pushActiveUsers()

  onMessage = (text) => {
    handleMessage(text, session, ctx).catch((err: Error) => {
      // A query cancelled because its user left or a sysop terminated it gets no answer.
      if (err.name === 'QueryAbortedError') return
      send({ type: 'error', message: legacyErrorMessage(err) })
    })
  }
  for (const text of early.splice(0)) onMessage(text)
}

/**
 * The legacy greeting. Other connected users are listed from what the hub
 * knows of them (their user at join, kept current by their sessions): no
 * store reads per join, which on shards were quorum reads and made a crowd
 * joining quadratic (scripts/bench/ws-fanout.ts).
 */
async function greeting(ctx: SessionContext, user: User, history: LegacyQueryRecord[]): Promise<string[]> {
  const recent = history.slice(0, GREETING_RECENT_QUERIES)
  const totals = await ctx.users.systemTotals()
  const labels: Record<string, string> = { chat: 'Chat', vision: 'Vision', imagine: 'Imagine', speech: 'Speech' }
  const times = QUERY_TYPES.map((type) => {
    const realm = ctx.realms.findForType(type)
    const avg = realm === undefined ? 0 : realm.metrics.avgProcessingTimeMs / 1000
    return `${labels[type]}: ${avg.toFixed(2)}s`
  })
  const listed = ctx.hub.someSummaries(GREETING_MAX_USERS)
  const more = ctx.hub.userCount - listed.length
  const connected = listed.map((u) => `Nick: ${u.nickname}, Queries: ${u.queryCount}, Total cost: ${money(u.totalCost)}`)
  return [
    ['Your recent queries:', ...recent.map((q) => `${q.prompt.slice(0, 30)} (${q.timestamp})`)].join('\n'),
    `Your total lifetime costs: ${money(user.totalCost)}`,
    `System-wide total lifetime costs: ${money(totals.totalCost)}`,
    ['Average query service times:', ...times].join('\n'),
    `Currently connected users: ${ctx.hub.userCount}\nMost users ever connected: ${ctx.hub.peak}`,
    ['Connected users:', ...connected, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n')
  ]
}
