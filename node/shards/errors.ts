// One class per failure of the shard layer. Over the wire these travel as
// ShardResponse.Status codes (protocol/README.md), never as messages to trust.

/** This node's shard store could not be opened (corrupt, locked, disk full); user data is unavailable here. */
export class ShardStoreUnavailableError extends Error {
  override name = 'ShardStoreUnavailableError'
  constructor(
    message: string,
    readonly location: string
  ) {
    super(message)
  }
}

/** A write to this node's shard store failed (e.g. the disk is full). */
export class ShardStoreWriteError extends Error {
  override name = 'ShardStoreWriteError'
}

/** Too few replicas answered to reach the read or write quorum. */
export class ShardQuorumError extends Error {
  override name = 'ShardQuorumError'
  constructor(
    message: string,
    readonly needed: number,
    readonly reached: number,
    readonly causes: string[]
  ) {
    super(message)
  }
}

/** A peer broke the shard protocol (bad frame, oversized frame, wrong answer). */
export class ShardProtocolError extends Error {
  override name = 'ShardProtocolError'
}

/** A peer answered a request with an error status. */
export class ShardRemoteError extends Error {
  override name = 'ShardRemoteError'
  constructor(
    message: string,
    readonly status: string
  ) {
    super(message)
  }
}

/** A record failed authentication when decrypted: tampered with, or not this user's. */
export class ShardIntegrityError extends Error {
  override name = 'ShardIntegrityError'
}

/** A request was malformed (bad key, entry id or size); nothing was stored. */
export class InvalidShardRequestError extends Error {
  override name = 'InvalidShardRequestError'
}
