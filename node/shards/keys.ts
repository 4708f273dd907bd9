import { createHash } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'

const encoder = new TextEncoder()

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(typeof data === 'string' ? encoder.encode(data) : data)
      .digest()
  )
}

/** The record key of a user: sha256 of the canonical (lower-case) GUID. The only form of the GUID a storage peer sees. */
export function userShardKey(guid: string): Uint8Array {
  return sha256(guid)
}

/** The record key of a nickname claim: sha256 of a fixed prefix and the lower-cased nickname. */
export function nicknameShardKey(nickname: string): Uint8Array {
  return sha256(`rentahal/nickname/${nickname.trim().toLowerCase()}`)
}

/**
 * A record key's position in kad-dht's keyspace: kad-dht hashes every key it is
 * asked about (`getClosestPeers(key)` targets sha256(key)), so we do the same.
 */
export function keyKadId(key: Uint8Array): Uint8Array {
  return sha256(key)
}

/** A peer's position in kad-dht's keyspace: sha256 of its multihash bytes (kad-dht's `convertPeerId`). */
export function peerKadId(peerId: PeerId): Uint8Array {
  return sha256(peerId.toMultihash().bytes)
}

/** Negative when `a` is closer to `target` than `b` by XOR distance. */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] as number) ^ (target[i] as number)
    const db = (b[i] as number) ^ (target[i] as number)
    if (da !== db) return da - db
  }
  return 0
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
