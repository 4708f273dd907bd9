import type { FastifyInstance } from 'fastify'
import type { GatewayComponents } from './app.js'

/** `GET /api/shards`: user-data shards held by this node and their replication health. */
export function registerShardRoutes(app: FastifyInstance, components: GatewayComponents): void {
  app.get('/api/shards', async () => {
    const shards = components.shards
    if (shards === undefined) return { enabled: false }
    return { enabled: true, ...(await shards.status()) }
  })
}
