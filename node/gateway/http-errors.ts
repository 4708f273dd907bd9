import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { legacyErrorMessage } from './errors.js'

/** How a route family shapes its error bodies. */
export type ErrorStyle = 'legacy' | 'openai' | 'json'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Error body shape: legacy `{detail}`, OpenAI `{error:{message,type,code}}`, or `{error}` (default). */
    errorStyle?: ErrorStyle
  }
}

/** An HTTP failure with its status, thrown by routes. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    override readonly name = 'HttpError',
    /** OpenAI-style error code, e.g. invalid_api_key. */
    readonly code?: string
  ) {
    super(message)
  }
}

/** The query did not finish within the request deadline. */
export class RequestTimeoutError extends HttpError {
  constructor(seconds: number) {
    super(504, `The query did not finish within ${seconds}s`, 'RequestTimeoutError', 'timeout')
  }
}

/** Status for each failure, by error name (one table for every route). */
const STATUS_BY_NAME: Record<string, number> = {
  InvalidQueryError: 400,
  InvalidClientMessageError: 400,
  InvalidNicknameError: 400,
  ConfigError: 400,
  UserBannedError: 403,
  UnknownWorkerError: 404,
  UnknownRealmError: 404,
  UnknownUserError: 404,
  NicknameTakenError: 409,
  DuplicateWorkerError: 409,
  RealmExistsError: 409,
  RealmBusyError: 409,
  WorkerHttpError: 502,
  WorkerProtocolError: 502,
  QueueFullError: 503,
  NoWorkerAvailableError: 503,
  NoSpeechWorkerError: 503,
  UnknownQueryTypeError: 503,
  RouteError: 503,
  QueryAbortedError: 503,
  WorkerTimeoutError: 504
}

export function httpStatusOf(err: unknown): number {
  const e = err as Partial<FastifyError> & Error
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600) return e.statusCode
  return STATUS_BY_NAME[e?.name] ?? 500
}

function openaiType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  return status < 500 ? 'invalid_request_error' : 'server_error'
}

/** The response body for a failure in a route family's style. */
export function errorBody(err: Error, status: number, style: ErrorStyle): unknown {
  const message = status >= 500 && STATUS_BY_NAME[err.name] === undefined && !(err instanceof HttpError) ? 'Internal server error' : err.message
  switch (style) {
    case 'legacy':
      // FastAPI's shape; worker failures keep the original's wording.
      return { detail: status >= 500 && STATUS_BY_NAME[err.name] !== undefined ? legacyErrorMessage(err) : message }
    case 'openai':
      return { error: { message, type: openaiType(status), code: (err as HttpError).code ?? null, param: null } }
    default:
      return { error: message }
  }
}

/**
 * The one error handler of the gateway: error names → HTTP status, bodies in
 * the route's style, real faults logged (never sent as stack traces).
 */
export function registerErrorHandler(app: FastifyInstance, log: (format: string, ...args: unknown[]) => void): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = httpStatusOf(err)
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err.message = `Request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`
    if (status >= 500 && STATUS_BY_NAME[err.name] === undefined && !(err instanceof HttpError)) {
      log('%s %s failed: %s', request.method, request.url, err.stack ?? err.message)
    }
    const style = request.routeOptions.config?.errorStyle ?? 'json'
    reply.code(status).send(errorBody(err, status, style))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}` })
  })
}
