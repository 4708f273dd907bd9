import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { fromString } from 'uint8arrays'

/** DHT provider key of a query type in one federation: the federation id is part of it. */
export async function providerKey(federationId: string, queryType: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(fromString(`/rentahal/${federationId}/provider/${queryType}`)))
}
