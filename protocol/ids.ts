// Protocol ids and names derived from a federation id. The federation id is
// part of every one of them so that two federations on the same hosts never
// exchange adverts, DHT records or queries.

/** Query types the legacy surface knows. */
export const QUERY_TYPES = ['chat', 'vision', 'imagine', 'speech'] as const
export type QueryType = (typeof QUERY_TYPES)[number]

export function isQueryType(value: unknown): value is QueryType {
  return typeof value === 'string' && (QUERY_TYPES as readonly string[]).includes(value)
}

/** Federation ids are used inside protocol ids and topic names, so keep them simple. */
export const FEDERATION_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

export function dhtProtocol(federationId: string): string {
  return `/rentahal/${federationId}/kad/1.0.0`
}

export function advertTopic(federationId: string): string {
  return `/rentahal/${federationId}/adverts/1.0.0`
}

// Request/response protocols are not federation-scoped by id: a peer only
// ever dials peers it learned from its own federation's adverts and DHT.
export const QUERY_PROTOCOL = '/rentahal/query/1.0.0'
export const ADVERT_PROTOCOL = '/rentahal/advert/1.0.0'
export const SHARD_PROTOCOL = '/rentahal/shard/1.0.0'
