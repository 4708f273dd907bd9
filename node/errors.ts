/** The data directory cannot be created, written or locked. */
export class DataDirError extends Error {
  override name = 'DataDirError'
  constructor(
    message: string,
    readonly dataDir: string
  ) {
    super(message)
  }
}

/** A port the node must listen on is taken or not allowed. */
export class ListenError extends Error {
  override name = 'ListenError'
  constructor(
    message: string,
    readonly address: string
  ) {
    super(message)
  }
}
