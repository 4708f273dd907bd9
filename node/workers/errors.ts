/** The worker answered with a non-success status. */
export class WorkerHttpError extends Error {
  override name = 'WorkerHttpError'
  constructor(
    readonly status: number,
    readonly body: string,
    readonly worker: string
  ) {
    super(`${status}: ${body.slice(0, 500)}`)
  }
}

/** The worker answered 200 with a body we cannot use. */
export class WorkerProtocolError extends Error {
  override name = 'WorkerProtocolError'
}

/** No worker of the realm can take the query (none registered or all blacklisted). */
export class NoWorkerAvailableError extends Error {
  override name = 'NoWorkerAvailableError'
  constructor(
    readonly queryType: string,
    message = `No worker available for ${queryType}`
  ) {
    super(message)
  }
}

export class DuplicateWorkerError extends Error {
  override name = 'DuplicateWorkerError'
}

export class UnknownWorkerError extends Error {
  override name = 'UnknownWorkerError'
}

/** The worker did not answer within the query timeout. */
export class WorkerTimeoutError extends Error {
  override name = 'WorkerTimeoutError'
}

/** The worker could not be reached (connection refused, DNS, reset before any answer). */
export class WorkerUnreachableError extends Error {
  override name = 'WorkerUnreachableError'
}

/** The worker failed after it had started answering: an error event mid-stream or a dropped connection. */
export class WorkerStreamError extends Error {
  override name = 'WorkerStreamError'
}

/** An in-process worker cannot run here (optional package missing, model file unreadable, load failed). */
export class WorkerUnavailableError extends Error {
  override name = 'WorkerUnavailableError'
}

/** A worker was to be persisted, but this registry has no store. */
export class WorkerStoreMissingError extends Error {
  override name = 'WorkerStoreMissingError'
}
