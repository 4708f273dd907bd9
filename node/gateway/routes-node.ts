import type { FastifyInstance } from 'fastify'
import type { GatewayComponents } from './app.js'
import type { SessionContext } from './ws-session.js'

/** Node status routes: `/healthz`, `/api/node`, the legacy `/debug/system_status`. */
export function registerNodeRoutes(app: FastifyInstance, components: GatewayComponents, ctx: SessionContext): void {
  const { realms, workers } = components
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/api/node', async () => {
    const info = components.nodeInfo()
    return {
      peerId: info.peerId,
      addrs: info.addrs,
      version: info.version,
      federationId: info.federationId,
      realms: realms.list().map((realm) => ({
        name: realm.name,
        queryType: realm.queryType,
        depth: realm.depth,
        queued: realm.queued,
        inFlight: realm.inFlight,
        capacity: realm.capacity,
        maxQueueSize: realm.maxQueueSize,
        workers: workers.list(realm.queryType).map((w) => ({
          name: w.name,
          kind: w.config.kind,
          url: w.config.url,
          models: w.config.models,
          capacity: w.config.capacity,
          inFlight: w.inFlight,
          healthScore: w.healthScore,
          blacklisted: w.blacklisted,
          avgServiceMs: Math.round(w.avgServiceMs)
        })),
        metrics: {
          processed_queries: realm.metrics.processedQueries,
          avg_processing_time: realm.metrics.avgProcessingTimeMs / 1000,
          error_count: realm.metrics.errorCount
        }
      }))
    }
  })

  // Legacy read-only health/status route.
  app.get('/debug/system_status', async () => ({
    database_exists: true,
    total_workers: realms.totalWorkers,
    queue_depth: realms.depth,
    huggingface_models: ctx.huggingfaceModels.length
  }))
}
