import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import type { LegacyWorker, QueryType } from '../../protocol/index.js'
import type { LoadBalancing, WorkerConfig } from '../config/index.js'
import { DuplicateWorkerError, UnknownWorkerError, WorkerStoreMissingError } from './errors.js'
import type { WorkerStore } from './store.js'
import type { WorkerAdapter } from './types.js'

const log = logger('rentahal:workers')

/** Legacy health rules: +10 on 200, −10 on another status, −5 when unreachable; blacklist at 0, back at 50. */
export const HEALTH_MAX = 100
export const HEALTH_OK_DELTA = 10
export const HEALTH_BAD_STATUS_DELTA = -10
export const HEALTH_UNREACHABLE_DELTA = -5
export const HEALTH_RESTORED = 50
export const HEALTH_TIMEOUT_MS = 5_000
export const HEALTH_TIMEOUT_IMAGINE_MS = 10_000
/** Weight of the newest sample in the average service time. */
const SERVICE_TIME_EWMA = 0.2

/** Where a worker came from. */
export type WorkerOrigin = 'config' | 'cli' | 'builtin' | 'autodetect' | 'runtime'

export interface AddWorkerOptions {
  /** Save the worker in the node's store so it comes back after a restart (needs a store). */
  persist?: boolean
  /** Default `runtime`. */
  origin?: WorkerOrigin
}

/** A registered worker and its live state. */
export class WorkerHandle {
  healthScore = HEALTH_MAX
  blacklisted = false
  inFlight = 0
  served = 0
  failures = 0
  /** Exponentially weighted average service time in ms; 0 until the first query. */
  avgServiceMs = 0
  lastActive = new Date()
  origin: WorkerOrigin = 'runtime'
  /** Kept in the node's store (added with `persist: true`, or restored from it). */
  persisted = false
  /** Resolves once a persisted worker is on disk; rejects if that write failed. */
  saved: Promise<void> = Promise.resolve()

  constructor(
    readonly config: WorkerConfig,
    readonly adapter: WorkerAdapter
  ) {}

  get name(): string {
    return this.config.name
  }

  get type(): QueryType {
    return this.config.type
  }

  get hasRoom(): boolean {
    return !this.blacklisted && this.inFlight < this.config.capacity
  }

  servesModel(model: string | undefined): boolean {
    return model === undefined || this.config.models.includes(model)
  }

  recordService(ms: number, ok: boolean): void {
    if (ok) {
      this.served++
      this.avgServiceMs = this.avgServiceMs === 0 ? ms : this.avgServiceMs * (1 - SERVICE_TIME_EWMA) + ms * SERVICE_TIME_EWMA
    } else {
      this.failures++
    }
  }

  toLegacy(): LegacyWorker {
    const url = URL.canParse(this.config.url) ? new URL(this.config.url) : undefined
    return {
      name: this.config.name,
      address: url?.host ?? this.config.kind,
      type: this.config.type,
      health_score: this.healthScore,
      is_blacklisted: this.blacklisted,
      last_active: this.lastActive.toISOString()
    }
  }
}

export interface WorkerRegistryInit {
  /** Interval of the background health loop; 0 disables it (tests call checkAll()). */
  healthCheckIntervalMs: number
  noBlacklistImagine: boolean
  createAdapter: (config: WorkerConfig) => WorkerAdapter
  /** Persistence for workers added with `persist: true`; without one, such adds throw. */
  store?: WorkerStore
}

export interface WorkerRegistryEvents {
  change: []
  blacklisted: [worker: WorkerHandle]
  restored: [worker: WorkerHandle]
}

/** All workers of this node, their health and the selection strategies (RealmWorkerManager). */
export class WorkerRegistry extends EventEmitter<WorkerRegistryEvents> {
  private readonly workers = new Map<string, WorkerHandle>()
  private readonly roundRobin = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private readonly controller = new AbortController()
  private checking?: Promise<void>
  /** Store writes, in order. */
  private writes: Promise<unknown> = Promise.resolve()

  constructor(private readonly init: WorkerRegistryInit) {
    super()
  }

  start(): void {
    if (this.init.healthCheckIntervalMs > 0 && this.timer === undefined) {
      this.timer = setInterval(() => {
        void this.checkAll()
      }, this.init.healthCheckIntervalMs)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    this.controller.abort()
    await this.checking
    await this.flush()
    await Promise.all([...this.workers.values()].map(async (w) => w.adapter.close?.()))
  }

  /**
   * Register a worker. With `{ persist: true }` it is also saved in the node's
   * store and restored on the next start; the handle comes back at once and
   * `await handle.saved` tells when (and whether) it is on disk.
   */
  add(config: WorkerConfig, options: AddWorkerOptions = {}): WorkerHandle {
    if (this.workers.has(config.name)) throw new DuplicateWorkerError(`A worker named ${config.name} already exists`)
    const store = this.init.store
    if (options.persist === true && store === undefined) throw new WorkerStoreMissingError('this worker registry has no store to persist workers in')
    const handle = new WorkerHandle(config, this.init.createAdapter(config))
    handle.origin = options.origin ?? 'runtime'
    this.workers.set(config.name, handle)
    if (options.persist === true && store !== undefined) {
      handle.persisted = true
      handle.saved = this.write(() => store.put(config))
      handle.saved.catch((err: Error) => log.error('could not save worker %s: %s', config.name, err.message))
    }
    log('added worker %s (%s %s at %s, capacity %d)', config.name, config.kind, config.type, config.url, config.capacity)
    this.emit('change')
    return handle
  }

  /** Unregister a worker (and delete it from the store when it was persisted). */
  async remove(name: string): Promise<void> {
    const handle = this.workers.get(name)
    if (handle === undefined) throw new UnknownWorkerError(`No worker named ${name}`)
    this.workers.delete(name)
    const store = this.init.store
    const deleted = handle.persisted && store !== undefined ? this.write(() => store.delete(name)) : undefined
    await handle.adapter.close?.()
    this.emit('change')
    await deleted
  }

  /** Add the workers saved in the store; a name already registered (e.g. now in realms.yml) wins over the saved one. */
  async restore(): Promise<WorkerHandle[]> {
    const store = this.init.store
    if (store === undefined) return []
    const restored: WorkerHandle[] = []
    for (const config of await store.list()) {
      if (this.workers.has(config.name)) {
        log('saved worker %s is also configured; using the configured one', config.name)
        continue
      }
      const handle = this.add(config, { origin: 'runtime' })
      handle.persisted = true
      restored.push(handle)
    }
    return restored
  }

  /** Wait for pending store writes. */
  async flush(): Promise<void> {
    await this.writes.catch(() => undefined)
  }

  private write(fn: () => Promise<void>): Promise<void> {
    const next = this.writes.then(fn, fn)
    this.writes = next.catch(() => undefined)
    return next
  }

  get(name: string): WorkerHandle | undefined {
    return this.workers.get(name)
  }

  list(type?: QueryType): WorkerHandle[] {
    const all = [...this.workers.values()]
    return type === undefined ? all : all.filter((w) => w.type === type)
  }

  /** Workers of a type that are not blacklisted (whether or not they have room now). */
  usable(type: QueryType, model?: string): WorkerHandle[] {
    return this.list(type).filter((w) => !w.blacklisted && w.servesModel(model))
  }

  /** Queries the type's usable workers can run at once. */
  capacity(type: QueryType): number {
    return this.usable(type).reduce((sum, w) => sum + w.config.capacity, 0)
  }

  /** Pick a worker with room for a query, or undefined when all are busy. */
  select(type: QueryType, strategy: LoadBalancing, model?: string): WorkerHandle | undefined {
    // A pinned model goes to a worker serving it when one exists; otherwise any worker of the type.
    let candidates = this.usable(type, model)
    if (model !== undefined && candidates.length === 0) candidates = this.usable(type)
    const free = candidates.filter((w) => w.hasRoom)
    if (free.length === 0) return undefined
    switch (strategy) {
      case 'round_robin': {
        const next = this.roundRobin.get(type) ?? 0
        this.roundRobin.set(type, next + 1)
        // Rotate over all candidates, skipping busy ones, so the order is stable.
        for (let i = 0; i < candidates.length; i++) {
          const w = candidates[(next + i) % candidates.length] as WorkerHandle
          if (w.hasRoom) return w
        }
        return undefined
      }
      case 'least_busy':
        return free.reduce((best, w) => (w.inFlight / w.config.capacity < best.inFlight / best.config.capacity ? w : best))
      case 'random':
        return free[Math.floor(Math.random() * free.length)]
      default:
        return free.reduce((best, w) => (w.healthScore > best.healthScore ? w : best))
    }
  }

  /** Run one health check of every worker, in parallel, each with its own timeout. */
  async checkAll(): Promise<void> {
    if (this.checking !== undefined) return this.checking
    this.checking = (async () => {
      await Promise.all([...this.workers.values()].map(async (w) => this.checkOne(w)))
    })().finally(() => {
      this.checking = undefined
    })
    return this.checking
  }

  private async checkOne(w: WorkerHandle): Promise<void> {
    const timeout = w.type === 'imagine' ? HEALTH_TIMEOUT_IMAGINE_MS : HEALTH_TIMEOUT_MS
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(timeout)])
    let delta: number
    try {
      const status = await w.adapter.checkHealth({ signal })
      delta = status === 200 ? HEALTH_OK_DELTA : HEALTH_BAD_STATUS_DELTA
    } catch (err) {
      if (this.controller.signal.aborted) return
      log('health check of %s failed: %s', w.name, (err as Error).message)
      delta = HEALTH_UNREACHABLE_DELTA
    }
    if (!this.workers.has(w.name)) return
    this.applyHealth(w, delta)
  }

  /** Apply one health observation with the legacy rules. */
  applyHealth(w: WorkerHandle, delta: number): void {
    const before = { score: w.healthScore, blacklisted: w.blacklisted }
    w.lastActive = new Date()
    if (w.blacklisted) {
      if (delta > 0) {
        w.blacklisted = false
        w.healthScore = HEALTH_RESTORED
        log('worker %s is back at %d', w.name, HEALTH_RESTORED)
        this.emit('restored', w)
      }
    } else {
      w.healthScore = Math.max(0, Math.min(HEALTH_MAX, w.healthScore + delta))
      const exempt = w.type === 'imagine' && this.init.noBlacklistImagine
      if (w.healthScore === 0 && !exempt) {
        w.blacklisted = true
        log('worker %s blacklisted', w.name)
        this.emit('blacklisted', w)
      }
    }
    if (before.score !== w.healthScore || before.blacklisted !== w.blacklisted) this.emit('change')
  }
}
