import { LEGACY_ERRORS } from '../../protocol/index.js'

/** The realm's queue holds its maximum of queued + running queries. */
export class QueueFullError extends Error {
  override name = 'QueueFullError'
  constructor(readonly realm: string) {
    super(LEGACY_ERRORS.queueFull)
  }
}

/** No realm serves the query type. */
export class UnknownQueryTypeError extends Error {
  override name = 'UnknownQueryTypeError'
}

/** The query was cancelled by its submitter (disconnect, terminate, deadline). */
export class QueryAbortedError extends Error {
  override name = 'QueryAbortedError'
}

/** No realm has that name. */
export class UnknownRealmError extends Error {
  override name = 'UnknownRealmError'
}

/** The realm name or its primary query type is taken. */
export class RealmExistsError extends Error {
  override name = 'RealmExistsError'
}

/** The realm cannot be changed or deleted now (queries, workers or backups depend on it). */
export class RealmBusyError extends Error {
  override name = 'RealmBusyError'
}
