import { DEFAULT_MAX_QUEUE_SIZE } from '../../protocol/index.js'
import type { NodeConfig, RealmConfig } from './types.js'

export const DEFAULT_FEDERATION_ID = 'mtor'
export const DEFAULT_ADVERTISE_INTERVAL_MS = 10_000
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 60_000
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000
/** Largest HTTP body: a 6 MiB image as base64 in JSON fits. */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000
export const DEFAULT_REST_RATE_LIMIT_PER_MINUTE = 1_000
export const DEFAULT_WS_MESSAGES_PER_SECOND = 100
export const DEFAULT_WS_MESSAGE_BURST = 500
export const DEFAULT_WS_CONNECTIONS_PER_IP = 100
export const DEFAULT_WS_IDLE_TIMEOUT_MS = 60_000

function realm(name: string, type: RealmConfig['primaryQueryType'], min: number, max: number): RealmConfig {
  return {
    name,
    primaryQueryType: type,
    minWorkers: min,
    maxWorkers: max,
    backupRealms: [],
    maxQueueSize: DEFAULT_MAX_QUEUE_SIZE,
    loadBalancing: 'health',
    workers: []
  }
}

/** Built-in configuration, used when no realms.yml is found. Returns a fresh object. */
export function defaultConfig(): NodeConfig {
  return {
    federationId: DEFAULT_FEDERATION_ID,
    realms: [realm('$CHAT', 'chat', 1, 5), realm('$VISION', 'vision', 1, 3), realm('$IMAGINE', 'imagine', 1, 3), realm('$SPEECH', 'speech', 0, 3)],
    discovery: { bootstrapNodes: [], advertiseIntervalMs: DEFAULT_ADVERTISE_INTERVAL_MS, mdns: false },
    sharding: { enabled: true, replication: 3, writeQuorum: 2, readQuorum: 2 },
    costs: { baseCostPerQuery: 0.01, costPerSecond: 0.001 },
    workers: {
      healthCheckIntervalMs: DEFAULT_HEALTH_CHECK_INTERVAL_MS,
      queryTimeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
      noBlacklistImagine: true
    },
    firstLoopbackUserIsSysop: true,
    gateway: {
      bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      restRateLimitPerMinute: DEFAULT_REST_RATE_LIMIT_PER_MINUTE,
      wsMessagesPerSecond: DEFAULT_WS_MESSAGES_PER_SECOND,
      wsMessageBurst: DEFAULT_WS_MESSAGE_BURST,
      wsConnectionsPerIp: DEFAULT_WS_CONNECTIONS_PER_IP,
      wsIdleTimeoutMs: DEFAULT_WS_IDLE_TIMEOUT_MS,
      corsOrigins: [],
      openaiApiKeys: []
    }
  }
}
