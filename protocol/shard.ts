// Limits and constants of /rentahal/shard/1.0.0 (protocol/README.md, "Shard protocol").
// Both sides check every one of them; a frame over a limit is rejected before it is decoded.

/** Largest frame (request or response) in bytes, without its varint length prefix. */
export const SHARD_MAX_FRAME_BYTES = 4 * 1024 * 1024

/** Budget a responder fills with GET entries, leaving room for the envelope. */
export const SHARD_RESPONSE_BUDGET_BYTES = 3 * 1024 * 1024

/** Record keys are sha256 digests. */
export const SHARD_KEY_BYTES = 32

/** Record and bucket digests are sha256-sized. */
export const SHARD_DIGEST_BYTES = 32

/** Entry ids: 1-128 printable ASCII characters (0x21-0x7e). */
export const SHARD_MAX_ENTRY_ID_CHARS = 128
export const SHARD_ENTRY_ID_PATTERN = /^[\x21-\x7e]{1,128}$/

/** Largest entry value (ciphertext) in bytes. */
export const SHARD_MAX_ENTRY_VALUE_BYTES = 1024 * 1024

/** PUT: records per frame, entries per record. */
export const SHARD_MAX_RECORDS_PER_FRAME = 128
export const SHARD_MAX_ENTRIES_PER_RECORD = 1024

/** GET: queries per frame. */
export const SHARD_MAX_QUERIES_PER_FRAME = 256

/** KEYS: key digests per response page. */
export const SHARD_MAX_KEYS_PER_FRAME = 4096

/** BUCKETS: keys are grouped by their first byte. */
export const SHARD_BUCKETS = 256

/** LOCK: longest lease a responder grants, in ms. */
export const SHARD_MAX_LOCK_TTL_MS = 30_000

/** Requests a client may send on one stream before reading their responses. */
export const SHARD_MAX_PIPELINED_REQUESTS = 8

/** A responder closes a stream idle for this long, in ms. */
export const SHARD_STREAM_IDLE_MS = 60_000
