import type { Record as Libp2pRecord, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromPublicKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { equals as bytesEqual, fromString } from 'uint8arrays'
import { isQueryType } from '../../protocol/index.js'
import { Advert } from '../../protocol/pb/advert.js'

/** Signed-envelope domain of adverts (RFC 0002): a signature for another domain never verifies. */
export const ADVERT_DOMAIN = 'rentahal-advert'
/** Envelope payload type of adverts. */
export const ADVERT_CODEC = fromString('/rentahal/advert/1')
/** Largest signed advert accepted, checked before decoding. */
export const MAX_ADVERT_BYTES = 64 * 1024
/** Bounds on repeated fields, enforced while decoding (protobuf expansion guard). */
export const ADVERT_DECODE_LIMITS = {
  addrs: 32,
  realms: 16,
  realms$: { queryTypes: 8, workers: 256, workers$: { models: 64 } }
}

/** An advert that must not enter any directory. */
export class InvalidAdvertError extends Error {
  override name = 'InvalidAdvertError'
}

class AdvertRecord implements Libp2pRecord {
  readonly domain = ADVERT_DOMAIN
  readonly codec = ADVERT_CODEC
  constructor(private readonly bytes: Uint8Array) {}
  marshal(): Uint8Array {
    return this.bytes
  }
  equals(other: Libp2pRecord): boolean {
    return bytesEqual(this.marshal(), other.marshal())
  }
}

/** Sign an advert; the result is what travels on gossip and the fetch protocol. */
export async function sealAdvert(advert: Advert, privateKey: PrivateKey): Promise<Uint8Array> {
  const envelope = await RecordEnvelope.seal(new AdvertRecord(Advert.encode(advert)), privateKey)
  return envelope.marshal()
}

export interface OpenedAdvert {
  advert: Advert
  /** The peer whose key signed the envelope (= advert.peerId, checked). */
  signer: PeerId
  bytes: Uint8Array
}

/**
 * Check size, signature, schema and self-consistency of a signed advert.
 * Throws InvalidAdvertError; never returns an advert that fails a check.
 */
export async function openAdvert(bytes: Uint8Array, federationId: string): Promise<OpenedAdvert> {
  if (bytes.byteLength > MAX_ADVERT_BYTES) throw new InvalidAdvertError(`advert of ${bytes.byteLength} bytes exceeds ${MAX_ADVERT_BYTES}`)
  let envelope: RecordEnvelope
  try {
    envelope = await RecordEnvelope.openAndCertify(bytes, ADVERT_DOMAIN)
  } catch (err) {
    throw new InvalidAdvertError(`bad advert envelope: ${(err as Error).message}`)
  }
  if (!bytesEqual(envelope.payloadType, ADVERT_CODEC)) throw new InvalidAdvertError('envelope does not hold an advert')
  let advert: Advert
  try {
    advert = Advert.decode(envelope.payload, { limits: ADVERT_DECODE_LIMITS })
  } catch (err) {
    throw new InvalidAdvertError(`malformed advert: ${(err as Error).message}`)
  }
  const signer = peerIdFromPublicKey(envelope.publicKey)
  let claimed: PeerId
  try {
    claimed = peerIdFromMultihash(Digest.decode(advert.peerId))
  } catch {
    throw new InvalidAdvertError('advert peer id is not a peer id')
  }
  if (!claimed.equals(signer)) throw new InvalidAdvertError(`advert for ${claimed} signed by ${signer}`)
  if (advert.federationId !== federationId) throw new InvalidAdvertError(`advert of federation ${advert.federationId}`)
  if (advert.seq === 0n) throw new InvalidAdvertError('advert sequence must be positive')
  for (const a of advert.addrs) {
    try {
      multiaddr(a)
    } catch {
      throw new InvalidAdvertError('advert holds an invalid multiaddr')
    }
  }
  for (const realm of advert.realms) {
    if (realm.name.length === 0 || realm.name.length > 64) throw new InvalidAdvertError('realm name must be 1-64 characters')
    for (const type of realm.queryTypes) if (!isQueryType(type)) throw new InvalidAdvertError(`unknown query type ${type}`)
    for (const w of realm.workers) {
      if (!isQueryType(w.queryType)) throw new InvalidAdvertError(`unknown worker query type ${w.queryType}`)
      if (w.id.length === 0 || w.id.length > 128) throw new InvalidAdvertError('worker id must be 1-128 characters')
      if (w.healthScore > 100) throw new InvalidAdvertError('health score above 100')
    }
  }
  return { advert, signer, bytes }
}

/** Query types a peer's advert offers, with at least one usable worker. */
export function servedTypes(advert: Advert): Set<string> {
  const types = new Set<string>()
  for (const realm of advert.realms) for (const w of realm.workers) if (!w.blacklisted) types.add(w.queryType)
  return types
}
