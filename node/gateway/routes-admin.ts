import type { FastifyInstance, FastifyRequest } from 'fastify'
import { QUERY_TYPES } from '../../protocol/index.js'
import { type RealmConfig, realmFromDocument, workerFromDocument } from '../config/index.js'
import type { Realm } from '../realms/index.js'
import { canonicalGuid, toLegacyUserInfo } from '../users/index.js'
import type { WorkerHandle } from '../workers/index.js'
import type { GatewayComponents } from './app.js'
import { bearerToken, secretEquals } from './auth.js'
import { HttpError } from './http-errors.js'
import type { ClientHub } from './hub.js'
import type { Moderation } from './moderation.js'

const SOURCE = 'admin API'

/** Admin routes need `Authorization: Bearer <admin token>`: 401 without one, 403 with a wrong one. */
function checkAdmin(request: FastifyRequest, adminToken: string): void {
  const token = bearerToken(request.headers.authorization)
  if (token === undefined)
    throw new HttpError(401, 'Admin token required: send Authorization: Bearer <token> (see `rentahal-node admin-token`)', 'AdminAuthError')
  if (!secretEquals(adminToken, token)) throw new HttpError(403, 'Wrong admin token', 'AdminAuthError')
}

/** Realm settings in realms.yml shape (the `config` of the §8.1 admin shapes). */
export function realmSettings(config: RealmConfig): Record<string, unknown> {
  return {
    min_workers: config.minWorkers,
    max_workers: config.maxWorkers,
    backup_realms: config.backupRealms,
    max_queue_size: config.maxQueueSize,
    load_balancing: config.loadBalancing
  }
}

function adminWorker(w: WorkerHandle): Record<string, unknown> {
  return { ...w.toLegacy(), kind: w.config.kind, url: w.config.url, models: w.config.models, capacity: w.config.capacity, in_flight: w.inFlight }
}

function realmView(realm: Realm, components: GatewayComponents, hub: ClientHub): Record<string, unknown> {
  const connections = hub.all().filter((c) => components.realms.assign(c.guid) === realm).length
  return {
    name: realm.name,
    primary_query_type: realm.queryType,
    config: realmSettings(realm.config),
    workers: components.workers.list(realm.queryType).map(adminWorker),
    // Worker pools of the PlanetScale design are not implemented; every realm's workers form one pool.
    pools: [],
    metrics: {
      connections,
      processed_queries: realm.metrics.processedQueries,
      error_count: realm.metrics.errorCount,
      avg_processing_time: realm.metrics.avgProcessingTimeMs / 1000,
      queue_depth: realm.depth,
      capacity: realm.capacity
    }
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'Body must be a JSON object', 'InvalidQueryError')
  return body as Record<string, unknown>
}

function guidParam(value: unknown): string {
  const guid = typeof value === 'string' ? canonicalGuid(value) : undefined
  if (guid === undefined) throw new HttpError(400, 'user_guid must be a UUID', 'InvalidQueryError')
  return guid
}

/**
 * The token-protected admin API: realms (§8.1 shapes), workers, bans, sysops.
 * Realm changes last until the node restarts (realms.yml is never rewritten).
 */
export function registerAdminRoutes(app: FastifyInstance, components: GatewayComponents, hub: ClientHub, moderation: Moderation): void {
  const { realms, workers, users } = components
  app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => checkAdmin(request, components.adminToken))

    scope.get('/api/admin/realms', async () => ({ realms: realms.list().map((r) => realmView(r, components, hub)) }))

    scope.post('/api/admin/realms', async (request, reply) => {
      const body = objectBody(request.body)
      if (typeof body.name !== 'string') throw new HttpError(400, 'name is required', 'InvalidQueryError')
      if (typeof body.primary_query_type !== 'string')
        throw new HttpError(400, `primary_query_type is required (${QUERY_TYPES.join(', ')})`, 'InvalidQueryError')
      const doc = { ...objectBody(body.config ?? {}), primary_query_type: body.primary_query_type }
      const realm = realms.create(realmFromDocument(body.name, doc, SOURCE))
      return reply.code(201).send({ status: 'success', realm: realmView(realm, components, hub) })
    })

    scope.put<{ Params: { name: string } }>('/api/admin/realms/:name', async (request) => {
      const current = realms.get(request.params.name)
      if (current === undefined) throw new HttpError(404, `No realm named ${request.params.name}`, 'UnknownRealmError')
      const body = objectBody(request.body)
      const doc = {
        ...realmSettings(current.config),
        ...objectBody(body.config ?? {}),
        primary_query_type: body.primary_query_type ?? current.queryType
      }
      const realm = realms.update(realmFromDocument(current.name, doc, SOURCE, current.config))
      return { status: 'success', realm: realmView(realm, components, hub) }
    })

    scope.delete<{ Params: { name: string } }>('/api/admin/realms/:name', async (request) => {
      realms.delete(request.params.name)
      return { status: 'success', realm: request.params.name }
    })

    scope.post('/api/admin/workers', async (request, reply) => {
      const handle = workers.add(workerFromDocument(objectBody(request.body), SOURCE))
      return reply.code(201).send({ status: 'success', worker: adminWorker(handle) })
    })

    scope.delete<{ Params: { name: string } }>('/api/admin/workers/:name', async (request) => {
      await workers.remove(request.params.name)
      return { status: 'success', worker: request.params.name }
    })

    scope.get('/api/admin/bans', async () => ({
      banned: (await users.list()).filter((u) => u.isBanned).map(toLegacyUserInfo)
    }))

    scope.post('/api/admin/bans', async (request) => {
      const user = await moderation.ban(guidParam(objectBody(request.body).user_guid))
      return { status: 'success', user: toLegacyUserInfo(user) }
    })

    scope.delete<{ Params: { guid: string } }>('/api/admin/bans/:guid', async (request) => {
      const user = await moderation.unban(guidParam(request.params.guid))
      return { status: 'success', user: toLegacyUserInfo(user) }
    })

    scope.post('/api/admin/sysops', async (request) => {
      const user = await moderation.setSysop(guidParam(objectBody(request.body).user_guid), true)
      return { status: 'success', user: toLegacyUserInfo(user) }
    })

    scope.delete<{ Params: { guid: string } }>('/api/admin/sysops/:guid', async (request) => {
      const user = await moderation.setSysop(guidParam(request.params.guid), false)
      return { status: 'success', user: toLegacyUserInfo(user) }
    })

    scope.post('/api/admin/terminate', async (request) => {
      const guid = guidParam(objectBody(request.body).user_guid)
      return { status: 'success', terminated: moderation.terminate(guid) }
    })
  })
}
