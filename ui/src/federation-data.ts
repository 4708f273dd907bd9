// What the node knows about the federation, polled over HTTP: this node,
// its peers, every realm's providers and this node's shards. Views and the
// Ask form (model picker, availability, wait estimates) read the snapshot.
import { api, NotAvailableError } from './api.js'
import type { FederationRealms, NodeStatus, PeerInfo, QueryType, ShardStatus } from './types.js'

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'unavailable' } | { state: 'error'; message: string }

export const POLL_FAST_MS = 3_000
export const POLL_SLOW_MS = 10_000

export interface Snapshot {
  node: Loaded<NodeStatus>
  peers: Loaded<PeerInfo[]>
  realms: Loaded<FederationRealms>
  shards: Loaded<ShardStatus>
  openaiModels: Loaded<string[]>
  at: number
}

export interface Capability {
  /** Healthy workers anywhere in the federation for the type. */
  workers: number
  localWorkers: number
  /** Remote peers offering the type. */
  peers: number
  /** False while nothing has been loaded yet. */
  known: boolean
}

async function load<T>(path: string, pick: (body: unknown) => T = (b) => b as T): Promise<Loaded<T>> {
  try {
    return { state: 'ok', value: pick(await api<unknown>(path)) }
  } catch (err) {
    if (err instanceof NotAvailableError) return { state: 'unavailable' }
    return { state: 'error', message: (err as Error).message }
  }
}

export class FederationData {
  snapshot: Snapshot = {
    node: { state: 'loading' },
    peers: { state: 'loading' },
    realms: { state: 'loading' },
    shards: { state: 'loading' },
    openaiModels: { state: 'loading' },
    at: 0
  }
  /** Poll every POLL_FAST_MS instead of POLL_SLOW_MS (the federation view is open). */
  fast = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private readonly listeners: Array<(s: Snapshot) => void> = []

  onChange(listener: (s: Snapshot) => void): void {
    this.listeners.push(listener)
  }

  start(): void {
    void this.refresh()
  }

  /** Load everything now (coalesced with a refresh already under way), then schedule the next poll. */
  refresh(): Promise<void> {
    if (this.running !== undefined) return this.running
    clearTimeout(this.timer)
    this.running = this.loadAll().finally(() => {
      this.running = undefined
      this.timer = setTimeout(() => this.tick(), this.fast ? POLL_FAST_MS : POLL_SLOW_MS)
    })
    return this.running
  }

  private tick(): void {
    if (document.visibilityState === 'hidden') {
      this.timer = setTimeout(() => this.tick(), POLL_FAST_MS)
      return
    }
    void this.refresh()
  }

  /**
   * The Ask form needs only the node and the realms; peers and shards are
   * loaded while the federation view is open, and `/v1/models` only when the
   * realm view is missing (keeps polling far below the node's rate limit).
   */
  private async loadAll(): Promise<void> {
    const previous = this.snapshot
    const full = this.fast || previous.at === 0
    const [node, realms] = await Promise.all([load<NodeStatus>('/api/node'), load<FederationRealms>('/api/realms')])
    const [peers, shards, openaiModels] = await Promise.all([
      full ? load<PeerInfo[]>('/api/node/peers', (b) => (b as { peers: PeerInfo[] }).peers ?? []) : previous.peers,
      full ? load<ShardStatus>('/api/shards') : previous.shards,
      realms.state === 'ok'
        ? ({ state: 'unavailable' } as const)
        : load<string[]>('/v1/models', (b) => ((b as { data?: Array<{ id: string }> }).data ?? []).map((m) => m.id))
    ])
    this.snapshot = { node, peers, realms, shards, openaiModels, at: Date.now() }
    for (const listener of this.listeners) listener(this.snapshot)
  }

  capability(type: QueryType): Capability {
    const { realms, node } = this.snapshot
    if (realms.state === 'ok') {
      const providers = realms.value.realms.filter((r) => r.queryType === type).flatMap((r) => r.providers)
      const healthy = (p: (typeof providers)[number]): number => p.workers.filter((w) => w.blacklisted !== true && w.healthScore > 0).length
      return {
        workers: providers.reduce((n, p) => n + healthy(p), 0),
        localWorkers: providers.filter((p) => p.local).reduce((n, p) => n + healthy(p), 0),
        peers: new Set(providers.filter((p) => !p.local && healthy(p) > 0).map((p) => p.peerId)).size,
        known: true
      }
    }
    if (node.state === 'ok') {
      const local = node.value.realms.filter((r) => r.queryType === type).flatMap((r) => r.workers.filter((w) => !w.blacklisted))
      return { workers: local.length, localWorkers: local.length, peers: 0, known: true }
    }
    return { workers: 0, localWorkers: 0, peers: 0, known: false }
  }

  /** Every model any provider of the type serves (OpenAI-style ids for chat as a fallback). */
  models(type: QueryType): string[] {
    const { realms, node, openaiModels } = this.snapshot
    const names = new Set<string>()
    if (realms.state === 'ok') {
      for (const r of realms.value.realms)
        if (r.queryType === type) for (const p of r.providers) for (const w of p.workers) for (const m of w.models) names.add(m)
    } else if (node.state === 'ok') {
      for (const r of node.value.realms) if (r.queryType === type) for (const w of r.workers) for (const m of w.models) names.add(m)
    }
    if (names.size === 0 && type === 'chat' && openaiModels.state === 'ok') for (const m of openaiModels.value) names.add(m)
    return [...names].sort()
  }

  /** Expected wait for a query at `position` in the queue of its type, or undefined when unknown. */
  estimateWaitMs(type: QueryType, position: number): number | undefined {
    const { realms, node } = this.snapshot
    let avgSeconds = 0
    let capacity = 0
    if (node.state === 'ok') {
      for (const r of node.value.realms) {
        if (r.queryType !== type) continue
        avgSeconds = Math.max(avgSeconds, r.metrics.avg_processing_time)
        capacity += r.capacity
      }
    }
    if (realms.state === 'ok') {
      const realm = realms.value.realms.find((r) => r.queryType === type)
      if (realm !== undefined && realm.metrics.avg_processing_time > 0) avgSeconds = realm.metrics.avg_processing_time
    }
    if (avgSeconds <= 0) return undefined
    return Math.ceil(position / Math.max(1, capacity)) * avgSeconds * 1000
  }
}
