import type { FastifyReply, FastifyRequest } from 'fastify'
import { LEGACY_ERRORS } from '../../protocol/index.js'
import { canonicalGuid, type UserStore } from '../users/index.js'
import { cookieValue } from './auth.js'
import { HttpError, RequestTimeoutError } from './http-errors.js'

/** REST callers without a GUID share this user, so their queries still show in totals and costs. */
export const REST_ANONYMOUS_GUID = '00000000-0000-4000-8000-000000000000'

/** The user is banned. */
export class UserBannedError extends HttpError {
  constructor() {
    super(403, LEGACY_ERRORS.banned, 'UserBannedError', 'banned')
  }
}

/**
 * The user a REST call acts for: `X-User-GUID` header (documented by the
 * original, never read by it), else the `user_guid` cookie, else the shared
 * anonymous REST user. Banned users are refused.
 */
export async function restUser(request: FastifyRequest, users: UserStore, fallback = REST_ANONYMOUS_GUID): Promise<string> {
  const header = request.headers['x-user-guid']
  const fromHeader = typeof header === 'string' ? header : undefined
  if (fromHeader !== undefined && canonicalGuid(fromHeader) === undefined) throw new HttpError(400, 'X-User-GUID must be a UUID', 'InvalidQueryError')
  const guid = canonicalGuid(fromHeader) ?? canonicalGuid(cookieValue(request.headers.cookie, 'user_guid')) ?? fallback
  const { user } = await users.getOrCreate(guid)
  if (user.isBanned) throw new UserBannedError()
  return guid
}

export interface QueryDeadline {
  signal: AbortSignal
  /** Turn a cancellation caused by the deadline into a 504. */
  rethrow(err: unknown): never
}

/**
 * A signal for a query run on behalf of an HTTP request: aborted when the
 * request deadline passes or the client goes away before the answer.
 */
export function queryDeadline(reply: FastifyReply, timeoutMs: number): QueryDeadline {
  const timeout = AbortSignal.timeout(timeoutMs)
  const gone = new AbortController()
  const onClose = (): void => {
    if (!reply.raw.writableEnded) gone.abort()
  }
  reply.raw.once('close', onClose)
  return {
    signal: AbortSignal.any([timeout, gone.signal]),
    rethrow(err: unknown): never {
      if (timeout.aborted && (err as Error)?.name === 'QueryAbortedError') throw new RequestTimeoutError(timeoutMs / 1000)
      throw err
    }
  }
}
