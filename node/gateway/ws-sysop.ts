import { type ClientMessage, InvalidClientMessageError, isQueryType, LEGACY_ERRORS, QUERY_TYPES } from '../../protocol/index.js'
import { normaliseWorkerUrl } from '../config/index.js'
import { canonicalGuid, toLegacyUserInfo } from '../users/index.js'
import { secretEquals } from './auth.js'
import type { Session } from './ws-messages.js'
import type { SessionContext } from './ws-session.js'

/** Most HuggingFace model entries kept (the list is shown to every user). */
export const MAX_HUGGINGFACE_MODELS = 100

/**
 * `{type:"sysop_login", token}`: a browser presenting the node's admin token
 * (printed by `rentahal-node admin-token`) makes its user a sysop, persistently.
 */
export async function handleSysopLogin(token: string, session: Session, ctx: SessionContext): Promise<void> {
  if (!secretEquals(ctx.adminToken, token)) {
    ctx.log('sysop_login with a wrong token from %s', session.client.guid)
    ctx.hub.send(session.client, { type: 'error', message: LEGACY_ERRORS.badAdminToken })
    return
  }
  await ctx.moderation.setSysop(session.client.guid, true)
}

function guidOf(msg: { type: string; user_guid: string }): string {
  const guid = canonicalGuid(msg.user_guid)
  if (guid === undefined) throw new InvalidClientMessageError(`Invalid ${msg.type}: user_guid must be a UUID`)
  return guid
}

/** The sysop messages of §2.2; the caller has checked that the client is a sysop. */
export async function handleSysopMessage(msg: ClientMessage, session: Session, ctx: SessionContext): Promise<void> {
  const send = (frame: object): boolean => ctx.hub.send(session.client, frame)
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
      await ctx.moderation.ban(guidOf(msg))
      return
    case 'unban_user':
      await ctx.moderation.unban(guidOf(msg))
      return
    case 'terminate_query':
      ctx.moderation.terminate(guidOf(msg))
      return
    case 'add_worker': {
      const { name, address, type } = msg.worker
      if (!isQueryType(type)) throw new InvalidClientMessageError(`Invalid add_worker: type must be one of ${QUERY_TYPES.join(', ')}`)
      let url: string
      try {
        url = normaliseWorkerUrl(address)
      } catch {
        throw new InvalidClientMessageError('Invalid add_worker: address must be host:port or an http(s) URL')
      }
      // The registry's 'change' event broadcasts worker_update to everyone.
      ctx.workers.add({ name, kind: 'legacy', type, url, models: [], capacity: 1 })
      return
    }
    case 'remove_worker':
      await ctx.workers.remove(msg.worker_name)
      return
    case 'add_huggingface_model': {
      const models = ctx.huggingfaceModels
      const existing = models.findIndex((m) => m.name === msg.model.name)
      if (existing >= 0) models.splice(existing, 1)
      else if (models.length >= MAX_HUGGINGFACE_MODELS) throw new InvalidClientMessageError(`At most ${MAX_HUGGINGFACE_MODELS} HuggingFace models`)
      models.push(msg.model)
      ctx.hub.broadcast({ type: 'huggingface_update', models })
      return
    }
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
