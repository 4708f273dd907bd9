import type { QueryType } from '../../protocol/index.js'

export const WORKER_KINDS = ['legacy', 'openai', 'ollama', 'a1111', 'speech', 'llama-cpp', 'ocr'] as const
export type WorkerKind = (typeof WORKER_KINDS)[number]

export const LOAD_BALANCING = ['health', 'round_robin', 'least_busy', 'random'] as const
export type LoadBalancing = (typeof LOAD_BALANCING)[number]

export interface WorkerConfig {
  /** Unique within the node; shown to users (legacy worker `name`). */
  name: string
  kind: WorkerKind
  /** Query type this worker serves. */
  type: QueryType
  /** Base URL, e.g. http://127.0.0.1:8000 (legacy `host:port` is accepted and given http://). */
  url: string
  /** Models the worker serves; empty means "whatever it runs". */
  models: string[]
  /** Queries it may run at once. */
  capacity: number
  apiKey?: string
}

export interface RealmConfig {
  /** Realm name, legacy style: `$CHAT`. */
  name: string
  primaryQueryType: QueryType
  minWorkers: number
  maxWorkers: number
  /** Realms that take over when this one is full (graceful degradation). */
  backupRealms: string[]
  /** Queued + in-flight queries before "Queue is full". */
  maxQueueSize: number
  loadBalancing: LoadBalancing
  workers: WorkerConfig[]
}

export interface NodeConfig {
  federationId: string
  /** File the configuration came from, for messages; undefined for built-in defaults. */
  source?: string
  realms: RealmConfig[]
  discovery: {
    bootstrapNodes: string[]
    advertiseIntervalMs: number
    mdns: boolean
  }
  sharding: {
    enabled: boolean
    replication: number
    writeQuorum: number
    readQuorum: number
  }
  costs: {
    baseCostPerQuery: number
    costPerSecond: number
  }
  workers: {
    healthCheckIntervalMs: number
    queryTimeoutMs: number
    noBlacklistImagine: boolean
  }
  /** Legacy behaviour: the first user on a fresh node, connecting from loopback, becomes sysop. */
  firstLoopbackUserIsSysop: boolean
  gateway: GatewayConfig
}

/** Limits and access rules of the HTTP / WebSocket gateway. */
export interface GatewayConfig {
  /** Largest HTTP request body (413 beyond). */
  bodyLimitBytes: number
  /** Longest an HTTP request may take, body upload and query included (408 / 504 beyond). */
  requestTimeoutMs: number
  /** REST requests per client IP per minute (429 with Retry-After beyond); 0 = unlimited. */
  restRateLimitPerMinute: number
  /** Sustained `/ws` messages per socket per second; 0 = unlimited. */
  wsMessagesPerSecond: number
  /** `/ws` messages a socket may send at once before the per-second rate applies. */
  wsMessageBurst: number
  /** Open `/ws` connections per client IP; 0 = unlimited. */
  wsConnectionsPerIp: number
  /** A `/ws` socket that answers no ping for this long is closed. */
  wsIdleTimeoutMs: number
  /** Browser origins (scheme://host:port) allowed to call the API from another site. Empty = none. */
  corsOrigins: string[]
  /** Bearer keys accepted by the OpenAI-compatible API; empty = no key needed. */
  openaiApiKeys: string[]
}
