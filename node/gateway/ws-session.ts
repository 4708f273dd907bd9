import type { IncomingMessage } from 'node:http'
import type { Logger } from '@libp2p/interface'
import type { WebSocket } from 'ws'
import {
  type ClientMessage,
  InvalidClientMessageError,
  isQueryType,
  LEGACY_ERRORS,
  MAX_ATTACHMENT_BYTES,
  PREVIOUS_QUERIES_LIMIT,
  parseClientMessage,
  QUERY_TYPES,
  SYSOP_MESSAGE_TYPES
} from '../../protocol/index.js'
import { type NodeConfig, normaliseWorkerUrl } from '../config/index.js'
import type { RealmRegistry } from '../realms/index.js'
import { canonicalGuid, newGuid, toLegacyUserInfo, type User, type UserStore } from '../users/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { legacyErrorMessage } from './errors.js'
import { type Client, type ClientHub, clientController } from './hub.js'
import type { QueryDesk } from './query-desk.js'

/** Base64 text of the largest attachment we accept. */
const ATTACHMENT_MAX_CHARS = Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 64

export interface SessionContext {
  config: NodeConfig
  users: UserStore
  realms: RealmRegistry
  workers: WorkerRegistry
  desk: QueryDesk
  hub: ClientHub
  log: Logger
  huggingfaceModels: Array<{ name: string; type: string }>
  /** Broadcast the global queue state to every client. */
  broadcastQueue: () => void
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

const money = (n: number): string => `$${n.toFixed(2)}`

/** Serve one `/ws` connection: the legacy handshake, then its messages until it closes. */
export async function handleConnection(socket: WebSocket, request: IncomingMessage, ctx: SessionContext): Promise<void> {
  // Messages that arrive during the (async) handshake are held and handled after it, in order.
  const early: string[] = []
  let onMessage: (text: string) => void = (text) => {
    early.push(text)
  }
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      onMessage('')
      return
    }
    onMessage(data.toString())
  })

  const cookieGuid = canonicalGuid(cookieValue(request.headers.cookie, 'user_guid'))
  const guid = cookieGuid ?? newGuid()
  let user: User
  try {
    const fresh = (await ctx.users.count()) === 0
    const sysop = fresh && ctx.config.firstLoopbackUserIsSysop && isLoopback(request.socket.remoteAddress)
    user = (await ctx.users.getOrCreate(guid, { sysop })).user
  } catch (err) {
    ctx.log.error('user store unavailable: %s', (err as Error).message)
    socket.close(1011, 'User store unavailable')
    return
  }
  if (socket.readyState !== socket.OPEN) return

  const client: Client = { socket, guid, isSysop: user.isSysop, controller: clientController() }
  const send = (frame: object): boolean => ctx.hub.send(client, frame)
  if (cookieGuid === undefined) send({ type: 'set_cookie', name: 'user_guid', value: guid })
  send({ type: 'user_info', data: toLegacyUserInfo(user) })
  if (user.isBanned) {
    send({ type: 'error', message: LEGACY_ERRORS.banned })
    socket.close(1008, 'Banned')
    return
  }
  ctx.hub.add(client)
  socket.on('close', () => {
    ctx.hub.delete(client)
    client.controller.abort()
  })

  try {
    for (const message of await greeting(ctx, user)) send({ type: 'sysop_message', message })
    send({ type: 'previous_queries', data: await ctx.users.history(guid, PREVIOUS_QUERIES_LIMIT) })
  } catch (err) {
    send({ type: 'error', message: legacyErrorMessage(err) })
  }
  send({ type: 'worker_update', workers: ctx.workers.list().map((w) => w.toLegacy()) })
  send({ type: 'huggingface_update', models: ctx.huggingfaceModels })
  if (client.isSysop) ctx.hub.broadcast({ type: 'active_users', users: ctx.hub.guids() }, (c) => c.isSysop)

  onMessage = (text) => {
    handleMessage(text, client, ctx).catch((err) => {
      send({ type: 'error', message: legacyErrorMessage(err) })
    })
  }
  for (const text of early.splice(0)) onMessage(text)
}

async function greeting(ctx: SessionContext, user: User): Promise<string[]> {
  const recent = await ctx.users.history(user.guid, 5)
  const totals = await ctx.users.systemTotals()
  const labels: Record<string, string> = { chat: 'Chat', vision: 'Vision', imagine: 'Imagine', speech: 'Speech' }
  const times = QUERY_TYPES.map((type) => {
    const realm = ctx.realms.list().find((r) => r.queryType === type)
    const avg = realm === undefined ? 0 : realm.metrics.avgProcessingTimeMs / 1000
    return `${labels[type]}: ${avg.toFixed(2)}s`
  })
  const connected = await Promise.all(
    ctx.hub.guids().map(async (guid) => {
      const u = await ctx.users.get(guid)
      return u === undefined ? undefined : `Nick: ${u.nickname}, Queries: ${u.queryCount}, Total cost: ${money(u.totalCost)}`
    })
  )
  return [
    ['Your recent queries:', ...recent.map((q) => `${q.prompt.slice(0, 30)} (${q.timestamp})`)].join('\n'),
    `Your total lifetime costs: ${money(user.totalCost)}`,
    `System-wide total lifetime costs: ${money(totals.totalCost)}`,
    ['Average query service times:', ...times].join('\n'),
    `Currently connected users: ${ctx.hub.guids().length}\nMost users ever connected: ${ctx.hub.peak}`,
    ['Connected users:', ...connected.filter((x) => x !== undefined)].join('\n')
  ]
}

async function handleMessage(text: string, client: Client, ctx: SessionContext): Promise<void> {
  const send = (frame: object): boolean => ctx.hub.send(client, frame)
  let msg: ClientMessage | undefined
  try {
    msg = parseClientMessage(text, ATTACHMENT_MAX_CHARS)
  } catch (err) {
    if (err instanceof InvalidClientMessageError) {
      send({ type: 'error', message: err.message })
      return
    }
    throw err
  }
  if (msg === undefined || (SYSOP_MESSAGE_TYPES.has(msg.type) && !client.isSysop)) {
    send({ type: 'error', message: LEGACY_ERRORS.unknownType })
    return
  }
  switch (msg.type) {
    case 'pong':
      return
    case 'ping':
      send({ type: 'pong' })
      return
    case 'get_previous_queries':
      send({ type: 'previous_queries', data: await ctx.users.history(client.guid, PREVIOUS_QUERIES_LIMIT) })
      return
    case 'set_nickname': {
      const user = await ctx.users.setNickname(client.guid, msg.nickname)
      send({ type: 'user_info', data: toLegacyUserInfo(user) })
      return
    }
    case 'submit_query': {
      const wantsStream = msg.stream
      const signal = client.controller.signal
      const pending = ctx.desk.run(client.guid, msg.query, {
        signal,
        onPosition: (position) => send({ type: 'queue_update', depth: ctx.realms.depth, total: ctx.realms.totalWorkers, position }),
        onChunk: wantsStream ? (text) => send({ type: 'query_chunk', text }) : undefined,
        onServing: (servedBy) => send({ type: 'query_started', served_by: servedBy })
      })
      ctx.broadcastQueue()
      try {
        const out = await pending
        send({ type: 'query_result', result: out.result, result_type: out.result_type, processing_time: out.processing_time, cost: out.cost })
      } catch (err) {
        // A query cancelled because its user left or a sysop terminated it gets no answer.
        if (signal.aborted) return
        throw err
      } finally {
        ctx.broadcastQueue()
      }
      return
    }
    default:
      await handleSysopMessage(msg, client, ctx)
  }
}

async function handleSysopMessage(msg: ClientMessage, client: Client, ctx: SessionContext): Promise<void> {
  const send = (frame: object): boolean => ctx.hub.send(client, frame)
  const workerUpdate = (): void => ctx.hub.broadcast({ type: 'worker_update', workers: ctx.workers.list().map((w) => w.toLegacy()) })
  switch (msg.type) {
    case 'get_stats': {
      const totals = await ctx.users.systemTotals()
      send({
        type: 'system_stats',
        data: {
          id: 1,
          total_queries: totals.totalQueries,
          total_processing_time: totals.totalProcessingTime,
          total_cost: totals.totalCost,
          last_updated: new Date().toISOString()
        }
      })
      send({ type: 'user_stats', data: (await ctx.users.list()).map(toLegacyUserInfo) })
      send({ type: 'worker_health', data: ctx.workers.list().map((w) => w.toLegacy()) })
      return
    }
    case 'sysop_message':
      ctx.hub.broadcast({ type: 'sysop_message', message: msg.message })
      return
    case 'ban_user':
    case 'unban_user': {
      const guid = canonicalGuid(msg.user_guid)
      if (guid === undefined) throw new InvalidClientMessageError(`Invalid ${msg.type}: user_guid must be a UUID`)
      const banned = msg.type === 'ban_user'
      await ctx.users.setBanned(guid, banned)
      ctx.hub.broadcast({ type: banned ? 'user_banned' : 'user_unbanned', guid })
      if (banned) {
        // Fix of the original: a ban takes effect at once, not at the next connect.
        for (const target of ctx.hub.byGuid(guid)) {
          ctx.hub.send(target, { type: 'error', message: LEGACY_ERRORS.banned })
          target.socket.close(1008, 'Banned')
        }
      }
      return
    }
    case 'terminate_query': {
      const guid = canonicalGuid(msg.user_guid)
      if (guid === undefined) throw new InvalidClientMessageError('Invalid terminate_query: user_guid must be a UUID')
      for (const target of ctx.hub.byGuid(guid)) {
        target.controller.abort()
        target.controller = clientController()
      }
      ctx.hub.broadcast({ type: 'query_terminated', guid })
      ctx.broadcastQueue()
      return
    }
    case 'add_worker': {
      const { name, address, type } = msg.worker
      if (!isQueryType(type)) throw new InvalidClientMessageError(`Invalid add_worker: type must be one of ${QUERY_TYPES.join(', ')}`)
      let url: string
      try {
        url = normaliseWorkerUrl(address)
      } catch {
        throw new InvalidClientMessageError('Invalid add_worker: address must be host:port or an http(s) URL')
      }
      ctx.workers.add({ name, kind: 'legacy', type, url, models: [], capacity: 1 })
      workerUpdate()
      return
    }
    case 'remove_worker':
      await ctx.workers.remove(msg.worker_name)
      workerUpdate()
      return
    case 'add_huggingface_model':
      ctx.huggingfaceModels.push(msg.model)
      ctx.hub.broadcast({ type: 'huggingface_update', models: ctx.huggingfaceModels })
      return
    case 'remove_huggingface_model': {
      const i = ctx.huggingfaceModels.findIndex((m) => m.name === msg.model_name)
      if (i >= 0) ctx.huggingfaceModels.splice(i, 1)
      ctx.hub.broadcast({ type: 'huggingface_update', models: ctx.huggingfaceModels })
      return
    }
    default:
      send({ type: 'error', message: LEGACY_ERRORS.unknownType })
  }
}
