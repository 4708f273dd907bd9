import { SHARD_BUCKETS, SHARD_DIGEST_BYTES } from '../../protocol/index.js'
import { sha256 } from './keys.js'

// Records, entries and digests as protocol/README.md ("Records, entries, digests") defines them.

/** One element of a record: replicas keep the greatest (version, value) per id. */
export interface Entry {
  id: string
  version: bigint
  value: Uint8Array
}

export interface RecordUpdate {
  key: Uint8Array
  entries: Entry[]
}

/** Entries of one record whose id starts with `prefix`, in id order (reversed on request). */
export interface EntryQuery {
  key: Uint8Array
  prefix?: string
  /** 0 or undefined: no limit but the byte budget. */
  limit?: number
  reverse?: boolean
  /** Resume after this id (before it when reverse). */
  after?: string
}

export interface QueryResult {
  entries: Entry[]
  /** More entries match beyond the limit or byte budget. */
  more: boolean
  /** Digest of the whole record on this replica. */
  digest: Uint8Array
}

export interface KeyInfo {
  key: Uint8Array
  digest: Uint8Array
  entries: number
  bytes: number
}

export const EMPTY_DIGEST = new Uint8Array(SHARD_DIGEST_BYTES)

/** Entry hash: sha256(id | 0x00 | version as 8 bytes big-endian | value). */
export function entryHash(entry: Entry): Uint8Array {
  const head = Buffer.alloc(entry.id.length + 9)
  head.write(entry.id, 0, 'latin1')
  head.writeBigUInt64BE(entry.version, entry.id.length + 1)
  return sha256(Buffer.concat([head, entry.value]))
}

/** Total order of two versions of one entry: version first, then value bytes. */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.version !== b.version) return a.version > b.version ? 1 : -1
  return Buffer.compare(a.value, b.value)
}

export function xorInto(target: Uint8Array, other: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) ^ (other[i] as number)
}

/** Bucket hash of a key: sha256(key | record digest); a bucket's digest XORs those of its keys. */
export function keyBucketHash(key: Uint8Array, digest: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([key, digest]))
}

export function bucketDigests(keys: Iterable<{ key: Uint8Array; digest: Uint8Array }>): Uint8Array[] {
  const out = Array.from({ length: SHARD_BUCKETS }, () => new Uint8Array(SHARD_DIGEST_BYTES))
  for (const { key, digest } of keys) xorInto(out[key[0] as number] as Uint8Array, keyBucketHash(key, digest))
  return out
}
