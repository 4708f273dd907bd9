import type { FastifyInstance, FastifyReply } from 'fastify'
import { toString as bytesToString } from 'uint8arrays'
import { type LegacyQuery, MAX_PROMPT_CHARS } from '../../protocol/index.js'
import type { GatewayComponents } from './app.js'
import { HttpError } from './http-errors.js'
import { queryDeadline, restUser } from './http-query.js'
import { decodeAttachment, type QueryDesk } from './query-desk.js'

/** Base64 text of the largest attachment (the body limit applies first). */
const ATTACHMENT_MAX_CHARS = 16 * 1024 * 1024

/** The legacy `Query` body: four required strings, optional base64 `image` / `audio`; extra fields ignored. */
const QUERY_SCHEMA = {
  body: {
    type: 'object',
    required: ['prompt', 'query_type', 'model_type', 'model_name'],
    properties: {
      prompt: { type: 'string', maxLength: MAX_PROMPT_CHARS },
      query_type: { type: 'string', maxLength: 32 },
      model_type: { type: 'string', maxLength: 64 },
      model_name: { type: 'string', maxLength: 256 },
      image: { type: ['string', 'null'], maxLength: ATTACHMENT_MAX_CHARS },
      audio: { type: ['string', 'null'], maxLength: ATTACHMENT_MAX_CHARS }
    }
  }
} as const

type QueryBody = { prompt: string; query_type: string; model_type: string; model_name: string; image?: string | null; audio?: string | null }

function toQuery(body: QueryBody, queryType?: string): LegacyQuery {
  return {
    prompt: body.prompt,
    query_type: queryType ?? body.query_type,
    model_type: body.model_type,
    model_name: body.model_name,
    image: body.image === null || body.image === '' ? undefined : body.image,
    audio: body.audio === null || body.audio === '' ? undefined : body.audio
  }
}

/** The answer is a bare JSON string, as the original's routes returned. */
function sendJsonString(reply: FastifyReply, value: string): FastifyReply {
  return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(value))
}

/**
 * The original's REST mirror (`/api/chat|vision|imagine|whisper|bark`), now
 * run through the desk like `/ws` queries: queued, routed, counted in the
 * user's history and costs. Errors are FastAPI-style `{"detail": …}`.
 */
export function registerLegacyRoutes(app: FastifyInstance, components: GatewayComponents, desk: QueryDesk): void {
  const { users, config } = components
  const timeoutMs = config.gateway.requestTimeoutMs
  const options = { schema: QUERY_SCHEMA, config: { errorStyle: 'legacy' as const } }

  const query = (path: string, forcedType?: string): void => {
    app.post<{ Body: QueryBody }>(path, options, async (request, reply) => {
      const guid = await restUser(request, users)
      const deadline = queryDeadline(reply, timeoutMs)
      const out = await desk.run(guid, toQuery(request.body, forcedType), { signal: deadline.signal }).catch(deadline.rethrow)
      return sendJsonString(reply, out.result)
    })
  }
  query('/api/chat')
  query('/api/vision', 'vision')
  // Returns the image as a base64 PNG string (the original failed here with a 500).
  query('/api/imagine', 'imagine')

  app.post<{ Body: QueryBody }>('/api/whisper', options, async (request, reply) => {
    const body = request.body
    if (typeof body.audio !== 'string' || body.audio === '') throw new HttpError(400, 'audio is required (base64)', 'InvalidQueryError')
    const guid = await restUser(request, users)
    const audio = decodeAttachment(body.audio, 'audio')
    const deadline = queryDeadline(reply, timeoutMs)
    const text = await desk.transcribe(guid, audio, { signal: deadline.signal, record: true }).catch(deadline.rethrow)
    return sendJsonString(reply, text)
  })

  app.post<{ Body: QueryBody }>('/api/bark', options, async (request, reply) => {
    const guid = await restUser(request, users)
    const deadline = queryDeadline(reply, timeoutMs)
    const audio = await desk.synthesize(guid, request.body.prompt, { signal: deadline.signal, record: true }).catch(deadline.rethrow)
    return sendJsonString(reply, bytesToString(audio.data, 'base64pad'))
  })
}
