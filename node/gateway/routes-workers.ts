import type { FastifyInstance } from 'fastify'
import type { WorkerHandle } from '../workers/index.js'
import type { GatewayComponents } from './app.js'

/** A worker as the API shows it (never its api_key). */
export function workerJson(w: WorkerHandle): Record<string, unknown> {
  const c = w.config
  return {
    name: c.name,
    kind: c.kind,
    type: c.type,
    url: c.url,
    models: c.models,
    capacity: c.capacity,
    ...(c.modelPath === undefined ? {} : { modelPath: c.modelPath }),
    ...(c.threads === undefined ? {} : { threads: c.threads }),
    inFlight: w.inFlight,
    healthScore: w.healthScore,
    blacklisted: w.blacklisted,
    lastActive: w.lastActive.toISOString(),
    served: w.served,
    failures: w.failures,
    avgServiceMs: Math.round(w.avgServiceMs),
    origin: w.origin,
    persisted: w.persisted
  }
}

/** `GET /api/workers`: every worker of this node with its live state. */
export function registerWorkerRoutes(app: FastifyInstance, components: GatewayComponents): void {
  const { workers } = components
  app.get('/api/workers', async () => ({ workers: workers.list().map(workerJson) }))
}
