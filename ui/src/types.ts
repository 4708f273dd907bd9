// Shapes of the node's HTTP API as the UI reads them. Everything beyond
// `/api/node` may be missing on older nodes (404 → "not available").
export type { LegacyQueryRecord, LegacyUserInfo, LegacyWorker } from '../../protocol/legacy.js'

export const QUERY_TYPES = ['chat', 'vision', 'imagine', 'speech'] as const
export type QueryType = (typeof QUERY_TYPES)[number]

export interface NodeWorker {
  name: string
  kind: string
  url: string
  models: string[]
  capacity: number
  inFlight: number
  healthScore: number
  blacklisted: boolean
  avgServiceMs: number
}

export interface NodeRealm {
  name: string
  queryType: string
  depth: number
  queued: number
  inFlight: number
  capacity: number
  maxQueueSize: number
  workers: NodeWorker[]
  metrics: { processed_queries: number; avg_processing_time: number; error_count?: number }
}

/** `GET /api/node` */
export interface NodeStatus {
  peerId: string
  addrs: string[]
  version: string
  federationId: string
  realms: NodeRealm[]
}

/** `GET /api/node/peers` */
export interface PeerInfo {
  peerId: string
  addrs: string[]
  rttMs: number | null
  connected: boolean
  version: string
  storesShards: boolean
  advertAgeMs: number | null
  realms: Array<{ name: string; queryType: string; workers: number; queueDepth: number; capacity: number }>
}

export interface ProviderWorker {
  id: string
  kind: string
  models: string[]
  capacity: number
  inFlight: number
  healthScore: number
  blacklisted?: boolean
  avgServiceMs: number
}

export interface Provider {
  peerId: string
  local: boolean
  realm: string
  queueDepth: number
  capacity: number
  inFlight: number
  workers: ProviderWorker[]
}

/** `GET /api/realms` */
export interface FederationRealms {
  federationId: string
  realms: Array<{
    queryType: string
    /** This node's realm for the type. */
    realm?: string | null
    providers: Provider[]
    metrics: { processed_queries: number; avg_processing_time: number; cross_realm_queries: number; cross_federation_queries: number; failed_routes: number }
  }>
}

/** `GET /api/shards` (may grow) */
export interface ShardStatus {
  /** False when this node stores no user data for others. */
  enabled?: boolean
  error?: string
  keys?: number
  bytes?: number
  /** Replica health, nested (agreed shape) or flat (as the shards service reports it). */
  replicas?: { healthy: number; underReplicated: number }
  healthy?: number
  underReplicated?: number
  replication?: number
  storagePeers?: number
  owned?: number
  handoff?: number
  lastSync?: { at: string }
}

/** `GET /api/admin/realms` */
export interface AdminRealms {
  realms: Array<{ name: string; primary_query_type: string; workers: unknown; pools?: unknown; metrics?: Record<string, unknown> }>
}

/** `query_started.served_by` */
export interface ServedBy {
  worker: string
  realm: string
  peerId?: string
}
