import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config/index.js'
import { HttpError } from './http-errors.js'

/**
 * Per-IP request rate limit on every HTTP route (REST, admin, OpenAI, the
 * `/ws` upgrade): 429 with Retry-After beyond `rate_limit_per_minute`.
 */
export async function registerRateLimit(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  if (config.restRateLimitPerMinute <= 0) return
  await app.register(rateLimit, {
    global: true,
    max: config.restRateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        context.statusCode,
        `Rate limit exceeded: at most ${context.max} requests per minute from one address; retry in ${context.after}`,
        'RateLimitError',
        'rate_limit_exceeded'
      )
  })
}

/** The `Origin` of a browser request, when it is a cross-site one (differs from the Host it was sent to). */
export function crossOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin
  if (origin === undefined || origin === 'null') return origin
  try {
    return new URL(origin).host === request.headers.host ? undefined : origin
  } catch {
    return origin
  }
}

/**
 * CORS, closed by default: only origins listed in `gateway.cors_origins` get
 * `Access-Control-Allow-Origin` and an answer to their preflight; others get
 * no CORS headers, so browsers keep other sites' pages out.
 */
export function registerCors(app: FastifyInstance, config: GatewayConfig): void {
  const allowed = new Set(config.corsOrigins)
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    if (origin === undefined || !allowed.has(origin)) {
      if (request.method === 'OPTIONS' && origin !== undefined) throw new HttpError(403, `Origin ${origin} is not allowed (gateway.cors_origins)`, 'CorsError')
      return
    }
    reply.header('access-control-allow-origin', origin)
    reply.header('vary', 'Origin')
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
      reply.header('access-control-allow-headers', 'authorization, content-type, x-user-guid')
      reply.header('access-control-max-age', '600')
      await reply.code(204).send()
    }
  })
}
