// Decoding and validation of shard protocol frames. Frames were size-limited
// by lpStream before they get here; the protons limits bound repeated fields,
// and validate*() checks every field before anything touches the store.
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  SHARD_BUCKETS,
  SHARD_DIGEST_BYTES,
  SHARD_ENTRY_ID_PATTERN,
  SHARD_KEY_BYTES,
  SHARD_MAX_ENTRIES_PER_RECORD,
  SHARD_MAX_ENTRY_VALUE_BYTES,
  SHARD_MAX_KEYS_PER_FRAME,
  SHARD_MAX_LOCK_TTL_MS,
  SHARD_MAX_QUERIES_PER_FRAME,
  SHARD_MAX_RECORDS_PER_FRAME
} from '../../protocol/index.js'
import { ShardRequest, ShardResponse } from '../../protocol/pb/shard.js'
import { InvalidShardRequestError, ShardProtocolError } from './errors.js'

export { ShardRequest, ShardResponse }

/** Largest lock token in bytes. */
export const MAX_LOCK_TOKEN_BYTES = 64

export function decodeRequest(data: Uint8Array | Uint8ArrayList): ShardRequest {
  try {
    return ShardRequest.decode(data, {
      limits: { records: SHARD_MAX_RECORDS_PER_FRAME, records$: { entries: SHARD_MAX_ENTRIES_PER_RECORD }, queries: SHARD_MAX_QUERIES_PER_FRAME }
    })
  } catch (err) {
    throw new InvalidShardRequestError(`undecodable request: ${(err as Error).message}`)
  }
}

export function decodeResponse(data: Uint8Array | Uint8ArrayList): ShardResponse {
  try {
    return ShardResponse.decode(data, {
      limits: {
        records: Math.max(SHARD_MAX_RECORDS_PER_FRAME, SHARD_MAX_QUERIES_PER_FRAME),
        records$: { entries: SHARD_MAX_ENTRIES_PER_RECORD },
        buckets: SHARD_BUCKETS,
        keys: SHARD_MAX_KEYS_PER_FRAME
      }
    })
  } catch (err) {
    throw new ShardProtocolError(`undecodable response: ${(err as Error).message}`)
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new InvalidShardRequestError(what)
}

export function isEntryId(id: string): boolean {
  return SHARD_ENTRY_ID_PATTERN.test(id)
}

function checkKey(key: Uint8Array, what = 'key'): void {
  check(key.byteLength === SHARD_KEY_BYTES, `${what} must be ${SHARD_KEY_BYTES} bytes`)
}

/** Throws InvalidShardRequestError naming the first bad field. */
export function validateRequest(req: ShardRequest): void {
  switch (req.type) {
    case ShardRequest.Type.PUT:
      check(req.records.length > 0, 'PUT without records')
      for (const record of req.records) {
        checkKey(record.key)
        check(record.entries.length > 0, 'PUT record without entries')
        for (const entry of record.entries) {
          check(isEntryId(entry.id), 'entry id must be 1-128 printable ASCII characters')
          check(entry.value.byteLength <= SHARD_MAX_ENTRY_VALUE_BYTES, `entry value above ${SHARD_MAX_ENTRY_VALUE_BYTES} bytes`)
        }
      }
      return
    case ShardRequest.Type.GET:
      check(req.queries.length > 0, 'GET without queries')
      for (const query of req.queries) {
        checkKey(query.key)
        check(query.prefix === '' || isEntryId(query.prefix), 'prefix must be empty or 1-128 printable ASCII characters')
        check(query.after === undefined || isEntryId(query.after), 'after must be an entry id')
      }
      return
    case ShardRequest.Type.BUCKETS:
      return
    case ShardRequest.Type.KEYS:
      check(req.bucket < SHARD_BUCKETS, `bucket must be 0-${SHARD_BUCKETS - 1}`)
      if (req.after !== undefined) checkKey(req.after, 'after')
      return
    case ShardRequest.Type.LOCK:
    case ShardRequest.Type.UNLOCK:
      checkKey(req.key)
      check(req.token.byteLength > 0 && req.token.byteLength <= MAX_LOCK_TOKEN_BYTES, `token must be 1-${MAX_LOCK_TOKEN_BYTES} bytes`)
      if (req.type === ShardRequest.Type.LOCK) {
        check(isEntryId(req.guard), 'guard must be an entry id')
        check(req.ttlMs > 0 && req.ttlMs <= SHARD_MAX_LOCK_TTL_MS, `ttl_ms must be 1-${SHARD_MAX_LOCK_TTL_MS}`)
      }
      return
    default:
      throw new InvalidShardRequestError(`unknown request type ${String(req.type)}`)
  }
}

/** Checks on a response's shape (the caller checks it against its request). */
export function validateResponse(res: ShardResponse): void {
  const bad = (what: string): never => {
    throw new ShardProtocolError(what)
  }
  for (const record of res.records) {
    if (record.key.byteLength !== 0 && record.key.byteLength !== SHARD_KEY_BYTES) bad('response record key has the wrong length')
    if (record.digest.byteLength !== 0 && record.digest.byteLength !== SHARD_DIGEST_BYTES) bad('response digest has the wrong length')
    for (const entry of record.entries) {
      if (!isEntryId(entry.id)) bad('response entry id is invalid')
      if (entry.value.byteLength > SHARD_MAX_ENTRY_VALUE_BYTES) bad('response entry value is too large')
    }
  }
  for (const bucket of res.buckets) if (bucket.byteLength !== SHARD_DIGEST_BYTES) bad('bucket digest has the wrong length')
  for (const k of res.keys) {
    if (k.key.byteLength !== SHARD_KEY_BYTES || k.digest.byteLength !== SHARD_DIGEST_BYTES) bad('key digest has the wrong length')
  }
}
