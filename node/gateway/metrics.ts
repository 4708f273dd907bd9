import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { QueryType } from '../../protocol/index.js'
import type { RealmRegistry, ServedBy } from '../realms/index.js'
import type { ClientHub } from './hub.js'

/** Histogram buckets for query processing time (seconds, queue wait included). */
export const PROCESSING_TIME_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

export interface QueryObserver {
  /** A query finished with a result; `servedBy.realm` labels it. */
  succeeded(queryType: QueryType, servedBy: ServedBy, seconds: number): void
  /** A query failed (not cancelled). */
  failed(queryType: QueryType, error: Error): void
}

export interface GatewayMetricsComponents {
  realms: RealmRegistry
  hub: ClientHub
}

/**
 * Prometheus metrics of one node, on its own registry (several nodes run in
 * one test process, so nothing goes to prom-client's global registry). Other
 * parts of the node add their own through `counter()` / `gauge()`.
 */
export class GatewayMetrics implements QueryObserver {
  readonly registry = new Registry()
  private readonly queries: Counter<'realm' | 'query_type'>
  private readonly errors: Counter<'realm' | 'query_type' | 'error'>
  private readonly processingTime: Histogram<'realm'>

  constructor(private readonly components: GatewayMetricsComponents) {
    const registers = [this.registry]
    this.queries = new Counter({
      name: 'rentahal_queries_total',
      help: 'Queries answered by this node as entry node, by serving realm',
      labelNames: ['realm', 'query_type'],
      registers
    })
    this.errors = new Counter({
      name: 'rentahal_errors_total',
      help: 'Queries that failed (cancellations not counted), by realm of their type and error name',
      labelNames: ['realm', 'query_type', 'error'],
      registers
    })
    this.processingTime = new Histogram({
      name: 'rentahal_processing_time_seconds',
      help: 'Time from submit to result, queue wait included (the legacy processing_time)',
      labelNames: ['realm'],
      buckets: PROCESSING_TIME_BUCKETS,
      registers
    })
    const { realms, hub } = components
    this.gauge('rentahal_connections', 'Open /ws connections, by the realm their user is assigned to', ['realm'], (set) => {
      const counts = new Map(realms.list().map((r) => [r.name, 0]))
      for (const client of hub.all()) {
        const realm = realms.assign(client.guid)?.name
        if (realm !== undefined) counts.set(realm, (counts.get(realm) ?? 0) + 1)
      }
      for (const [realm, n] of counts) set(n, { realm })
    })
    this.gauge('rentahal_queue_depth', 'Queued + running queries, by realm', ['realm'], (set) => {
      for (const realm of realms.list()) set(realm.depth, { realm: realm.name })
    })
    this.gauge('rentahal_realm_capacity', 'Queries the realm can run at once (its usable workers)', ['realm'], (set) => {
      for (const realm of realms.list()) set(realm.capacity, { realm: realm.name })
    })
    this.gauge('rentahal_workers', 'Registered local workers', [], (set) => set(realms.totalWorkers))
  }

  succeeded(queryType: QueryType, servedBy: ServedBy, seconds: number): void {
    this.queries.inc({ realm: servedBy.realm, query_type: queryType })
    this.processingTime.observe({ realm: servedBy.realm }, seconds)
  }

  failed(queryType: QueryType, error: Error): void {
    const realm = this.components.realms.findForType(queryType)?.name ?? 'none'
    this.errors.inc({ realm, query_type: queryType, error: error.name })
  }

  /** Hook for other parts of the node: a counter on this node's registry. */
  counter<L extends string = never>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] })
  }

  /** Hook for other parts of the node: a gauge read when /metrics is scraped. */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: L[],
    read: (set: (value: number, labels?: Partial<Record<L, string>>) => void) => void
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset()
        read((value, labels) => (labels === undefined ? this.set(value) : this.set(labels as Record<L, string>, value)))
      }
    })
  }

  /** The Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
