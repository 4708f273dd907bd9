import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { toString as bytesToString } from 'uint8arrays'
import { MAX_PROMPT_CHARS } from '../../protocol/index.js'
import type { GatewayComponents } from './app.js'
import { bearerToken, guidForApiKey, secretInList } from './auth.js'
import { errorBody, HttpError, httpStatusOf } from './http-errors.js'
import { queryDeadline, restUser } from './http-query.js'
import { type ChatMessage, localModels, type ModelEntry, messagesToQuery } from './openai.js'
import type { QueryDesk } from './query-desk.js'

/** Most images one `/v1/images/generations` call may ask for. */
export const MAX_IMAGES_PER_REQUEST = 4

const CHAT_SCHEMA = {
  body: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string', minLength: 1, maxLength: 256 },
      messages: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', required: ['role'], properties: { role: { type: 'string' } } } },
      stream: { type: ['boolean', 'null'] }
    }
  }
} as const

const IMAGES_SCHEMA = {
  body: {
    type: 'object',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: MAX_PROMPT_CHARS },
      model: { type: ['string', 'null'], maxLength: 256 },
      n: { type: ['integer', 'null'], minimum: 1, maximum: MAX_IMAGES_PER_REQUEST },
      response_format: { type: ['string', 'null'] }
    }
  }
} as const

interface ChatBody {
  model: string
  messages: ChatMessage[]
  stream?: boolean | null
}

interface ImagesBody {
  prompt: string
  model?: string | null
  n?: number | null
  response_format?: string | null
}

/** Write one server-sent event. */
function sse(reply: FastifyReply, data: unknown): void {
  reply.raw.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
}

/**
 * The OpenAI-compatible API over the federation: `/v1/models`,
 * `/v1/chat/completions` (streamed as SSE or not; image parts make a vision
 * query) and `/v1/images/generations` (imagine). Queries go through the desk
 * like every other surface. With `gateway.openai_api_keys` set, a key is required.
 */
export function registerOpenAiRoutes(app: FastifyInstance, components: GatewayComponents, desk: QueryDesk): void {
  const { users, config } = components
  const keys = config.gateway.openaiApiKeys
  const timeoutMs = config.gateway.requestTimeoutMs
  const listModels = components.listModels ?? (async (): Promise<ModelEntry[]> => localModels(components.workers))
  const startedAt = Math.floor(Date.now() / 1000)

  /** The user the call acts for; each API key has its own history. */
  const caller = async (request: FastifyRequest): Promise<string> => {
    if (keys.length === 0) return restUser(request, users)
    const key = bearerToken(request.headers.authorization)
    if (key === undefined || !secretInList(keys, key)) {
      throw new HttpError(
        401,
        'Incorrect or missing API key: send Authorization: Bearer <key> (gateway.openai_api_keys in realms.yml)',
        'ApiKeyError',
        'invalid_api_key'
      )
    }
    return restUser(request, users, guidForApiKey(key))
  }

  app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), errorStyle: 'openai' }
    })

    scope.get('/v1/models', async (request) => {
      await caller(request)
      const seen = new Set<string>()
      const data = []
      for (const m of await listModels()) {
        if (seen.has(m.id)) continue
        seen.add(m.id)
        data.push({ id: m.id, object: 'model', created: startedAt, owned_by: m.owner, query_type: m.queryType })
      }
      return { object: 'list', data }
    })

    scope.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: CHAT_SCHEMA }, async (request, reply) => {
      const guid = await caller(request)
      const body = request.body
      const { prompt, image } = messagesToQuery(body.messages)
      const id = `chatcmpl-${randomUUID()}`
      const created = Math.floor(Date.now() / 1000)
      const query = {
        prompt,
        query_type: image === undefined ? 'chat' : 'vision',
        model_type: 'worker_node',
        model_name: body.model,
        image: image === undefined ? undefined : bytesToString(image, 'base64pad')
      }
      const deadline = queryDeadline(reply, timeoutMs)
      const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish }]
      })

      if (body.stream !== true) {
        const out = await desk.run(guid, query, { signal: deadline.signal }).catch(deadline.rethrow)
        return {
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: out.result }, finish_reason: 'stop' }],
          rentahal: { served_by: out.servedBy, processing_time: out.processing_time, cost: out.cost }
        }
      }

      // Streaming: the HTTP status is sent with the first chunk, so a query
      // that fails before any text still gets a proper error status.
      let started = false
      let streamed = ''
      const start = (): void => {
        if (started) return
        started = true
        reply.hijack()
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' })
        sse(reply, chunk({ role: 'assistant', content: '' }, null))
      }
      try {
        const out = await desk
          .run(guid, query, {
            signal: deadline.signal,
            onChunk: (text) => {
              start()
              streamed += text
              sse(reply, chunk({ content: text }, null))
            }
          })
          .catch(deadline.rethrow)
        start()
        // Workers that do not stream (or stopped early) get the rest of the answer as one chunk.
        if (out.result_type === 'text' && out.result.startsWith(streamed) && out.result.length > streamed.length) {
          sse(reply, chunk({ content: out.result.slice(streamed.length) }, null))
        }
        sse(reply, chunk({}, 'stop'))
        sse(reply, '[DONE]')
        reply.raw.end()
      } catch (err) {
        if (!started) throw err
        const status = httpStatusOf(err)
        sse(reply, errorBody(err as Error, status, 'openai'))
        reply.raw.end()
      }
      return reply
    })

    scope.post<{ Body: ImagesBody }>('/v1/images/generations', { schema: IMAGES_SCHEMA }, async (request, reply) => {
      const guid = await caller(request)
      const body = request.body
      const format = body.response_format ?? 'b64_json'
      if (format !== 'b64_json') throw new HttpError(400, 'response_format must be b64_json (this node does not host image URLs)', 'InvalidQueryError')
      const deadline = queryDeadline(reply, timeoutMs)
      const query = { prompt: body.prompt, query_type: 'imagine', model_type: 'worker_node', model_name: body.model ?? '' }
      // One failed image fails the request: the others are cancelled, not left running and billed.
      const batch = new AbortController()
      const signal = AbortSignal.any([deadline.signal, batch.signal])
      let results: Awaited<ReturnType<typeof desk.run>>[]
      try {
        results = await Promise.all(Array.from({ length: body.n ?? 1 }, () => desk.run(guid, query, { signal }).catch(deadline.rethrow)))
      } catch (err) {
        batch.abort()
        throw err
      }
      return { created: Math.floor(Date.now() / 1000), data: results.map((r) => ({ b64_json: r.result, revised_prompt: body.prompt })) }
    })
  })
}
