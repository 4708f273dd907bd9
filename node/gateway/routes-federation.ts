import { multiaddr } from '@multiformats/multiaddr'
import type { FastifyInstance } from 'fastify'
import { QUERY_TYPES, type QueryType } from '../../protocol/index.js'
import type { GatewayComponents } from './app.js'

interface ProviderView {
  peerId: string
  local: boolean
  realm: string
  queueDepth: number
  capacity: number
  inFlight: number
  workers: Array<{
    id: string
    kind: string
    models: string[]
    capacity: number
    inFlight: number
    healthScore: number
    blacklisted: boolean
    avgServiceMs: number
  }>
}

/** Federation views filled from the directory: peers, realms federation-wide, legacy federation status. */
export function registerFederationRoutes(app: FastifyInstance, components: GatewayComponents): void {
  const { realms, workers, config } = components

  const localProviders = (type: QueryType): ProviderView[] => {
    const realm = realms.findForType(type)
    const local = workers.list().filter((w) => w.type === type)
    if (realm === undefined || local.length === 0) return []
    return [
      {
        peerId: components.nodeInfo().peerId,
        local: true,
        realm: realm.name,
        queueDepth: realm.depth,
        capacity: realm.capacity,
        inFlight: realm.inFlight,
        workers: local.map((w) => ({
          id: w.name,
          kind: w.config.kind,
          models: w.config.models,
          capacity: w.config.capacity,
          inFlight: w.inFlight,
          healthScore: w.healthScore,
          blacklisted: w.blacklisted,
          avgServiceMs: Math.round(w.avgServiceMs)
        }))
      }
    ]
  }

  const remoteProviders = (type: string): ProviderView[] => {
    const directory = components.directory
    if (directory === undefined) return []
    return directory.providers(type).flatMap((entry) =>
      entry.advert.realms
        .filter((r) => r.workers.some((w) => w.queryType === type))
        .map((r) => {
          const ws = r.workers.filter((w) => w.queryType === type)
          return {
            peerId: entry.peerId.toString(),
            local: false,
            realm: r.name,
            queueDepth: r.queueDepth,
            capacity: ws.filter((w) => !w.blacklisted).reduce((sum, w) => sum + w.capacity, 0),
            inFlight: r.inFlight,
            workers: ws.map((w) => ({
              id: w.id,
              kind: w.kind,
              models: w.models,
              capacity: w.capacity,
              inFlight: w.inFlight,
              healthScore: w.healthScore,
              blacklisted: w.blacklisted,
              avgServiceMs: w.avgServiceMs
            }))
          }
        })
    )
  }

  app.get('/api/node/peers', async () => {
    const directory = components.directory
    const libp2p = components.libp2p
    const now = directory?.now() ?? Date.now()
    const seen = new Set<string>()
    const peers = (directory?.list() ?? []).map((entry) => {
      const id = entry.peerId.toString()
      seen.add(id)
      return {
        peerId: id,
        addrs: entry.advert.addrs.map((a) => multiaddr(a).toString()),
        rttMs: entry.rttMs ?? null,
        connected: (libp2p?.getConnections(entry.peerId).length ?? 0) > 0,
        version: entry.advert.version,
        storesShards: entry.advert.storesShards,
        advertAgeMs: Math.max(0, now - entry.receivedAt) as number | null,
        realms: entry.advert.realms.map((r) => ({
          name: r.name,
          queryType: r.queryTypes[0] ?? '',
          workers: r.workers.length,
          queueDepth: r.queueDepth,
          capacity: r.workers.filter((w) => !w.blacklisted).reduce((sum, w) => sum + w.capacity, 0)
        }))
      }
    })
    // Connected peers without an advert yet (or not rentahal nodes) are listed too.
    for (const connection of libp2p?.getConnections() ?? []) {
      const id = connection.remotePeer.toString()
      if (seen.has(id)) continue
      seen.add(id)
      peers.push({
        peerId: id,
        addrs: [connection.remoteAddr.toString()],
        rttMs: connection.rtt ?? null,
        connected: true,
        version: '',
        storesShards: false,
        advertAgeMs: null as number | null,
        realms: []
      })
    }
    return { peers }
  })

  app.get('/api/realms', async () => ({
    federationId: config.federationId,
    realms: QUERY_TYPES.map((type) => {
      const realm = realms.findForType(type)
      const m = realm?.metrics
      return {
        queryType: type,
        realm: realm?.name ?? null,
        providers: [...localProviders(type), ...remoteProviders(type)],
        metrics: {
          processed_queries: m?.processedQueries ?? 0,
          avg_processing_time: (m?.avgProcessingTimeMs ?? 0) / 1000,
          cross_realm_queries: m?.crossRealmQueries ?? 0,
          cross_federation_queries: m?.crossFederationQueries ?? 0,
          failed_routes: m?.failedRoutes ?? 0
        }
      }
    })
  }))

  // The seed's federation status shape (legacy-surface §8.1), filled from this node and its directory.
  app.get('/api/federation/status', async () => {
    const list: Array<{ name: string; primary_type: string; workers: number; connections: number; queries_processed: number; error_rate: number }> = realms
      .list()
      .map((r) => ({
        name: r.name,
        primary_type: r.queryType as string,
        workers: workers.list(r.queryType).length,
        connections: 0,
        queries_processed: r.metrics.processedQueries,
        error_rate: r.metrics.processedQueries + r.metrics.errorCount === 0 ? 0 : r.metrics.errorCount / (r.metrics.processedQueries + r.metrics.errorCount)
      }))
    for (const entry of components.directory?.list() ?? []) {
      for (const r of entry.advert.realms) {
        list.push({
          name: `${r.name}@${entry.peerId.toString()}`,
          primary_type: r.queryTypes[0] ?? '',
          workers: r.workers.length,
          connections: 0,
          queries_processed: 0,
          error_rate: 0
        })
      }
    }
    const totalQueries = realms.list().reduce((s, r) => s + r.metrics.processedQueries, 0)
    const totalErrors = realms.list().reduce((s, r) => s + r.metrics.errorCount, 0)
    const weighted = realms.list().reduce((s, r) => s + r.metrics.avgProcessingTimeMs * r.metrics.processedQueries, 0)
    return {
      federation_id: config.federationId,
      total_realms: list.length,
      realms: list,
      federation_metrics: {
        total_queries: totalQueries,
        total_errors: totalErrors,
        error_rate: totalQueries + totalErrors === 0 ? 0 : totalErrors / (totalQueries + totalErrors),
        total_connections: components.connections?.() ?? 0,
        avg_processing_time: totalQueries === 0 ? 0 : weighted / totalQueries / 1000
      }
    }
  })
}
