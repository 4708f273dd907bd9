import { LEGACY_ERRORS } from '../../protocol/index.js'

/** The text a legacy client is shown for a failure (never a stack trace). */
export function legacyErrorMessage(err: unknown): string {
  const e = err as Error
  switch (e?.name) {
    case 'QueueFullError':
      return LEGACY_ERRORS.queueFull
    case 'NicknameTakenError':
      return LEGACY_ERRORS.nicknameTaken
    case 'InvalidQueryError':
    case 'InvalidClientMessageError':
    case 'InvalidNicknameError':
    case 'NoWorkerAvailableError':
    case 'UnknownQueryTypeError':
    case 'QueryAbortedError':
    case 'DuplicateWorkerError':
    case 'UnknownWorkerError':
    case 'UnknownUserError':
    case 'RouteError':
    case 'NoSpeechWorkerError':
    case 'UnknownRealmError':
    case 'RealmExistsError':
    case 'RealmBusyError':
    case 'UserBannedError':
    case 'ShardQuorumError':
    case 'ShardStoreUnavailableError':
    case 'ShardStoreWriteError':
      return e.message
    case 'WorkerHttpError':
    case 'WorkerProtocolError':
      return `500: Error processing query: ${e.message}`
    case 'WorkerTimeoutError':
      return `Error processing query: ${e.message}`
    default:
      return `Error processing query: ${e?.message ?? String(err)}`
  }
}
