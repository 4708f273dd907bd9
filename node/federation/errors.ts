import { ErrorCode } from '../../protocol/pb/query.js'

/** A routed query failed; `code` and `retryable` travel on the wire. */
export class RouteError extends Error {
  override name = 'RouteError'
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly retryable: boolean,
    readonly peer?: string
  ) {
    super(message)
  }
}

/** The query's overall deadline passed before any peer answered. */
export class QueryDeadlineError extends Error {
  override name = 'QueryDeadlineError'
}

/** Map a local failure to its wire code. */
export function toWireError(err: unknown): { code: ErrorCode; retryable: boolean; message: string } {
  const e = err as Error & { code?: ErrorCode; retryable?: boolean }
  switch (e?.name) {
    case 'RouteError':
      return { code: e.code ?? ErrorCode.INTERNAL, retryable: e.retryable === true, message: e.message }
    case 'QueueFullError':
      return { code: ErrorCode.QUEUE_FULL, retryable: true, message: e.message }
    case 'NoWorkerAvailableError':
    case 'UnknownQueryTypeError':
      return { code: ErrorCode.NO_WORKER, retryable: true, message: e.message }
    case 'WorkerHttpError':
    case 'WorkerProtocolError':
    case 'WorkerTimeoutError':
      return { code: ErrorCode.WORKER_FAILED, retryable: true, message: e.message }
    case 'QueryAbortedError':
      return { code: ErrorCode.CANCELLED, retryable: false, message: e.message }
    case 'QueryDeadlineError':
    case 'TimeoutError':
      return { code: ErrorCode.DEADLINE_EXCEEDED, retryable: false, message: 'Query deadline exceeded' }
    case 'InvalidQueryError':
      return { code: ErrorCode.BAD_REQUEST, retryable: false, message: e.message }
    default:
      return { code: ErrorCode.INTERNAL, retryable: true, message: 'Internal error on the serving peer' }
  }
}
