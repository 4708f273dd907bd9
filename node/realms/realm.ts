import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import type { QueryType } from '../../protocol/index.js'
import type { RealmConfig } from '../config/index.js'
import { linkSignals } from '../signals.js'
import { NoWorkerAvailableError, type WorkerHandle, type WorkerRegistry, type WorkerRequest, type WorkerResult, WorkerTimeoutError } from '../workers/index.js'
import { QueryAbortedError, QueueFullError } from './errors.js'

const log = logger('rentahal:realms')

export interface RealmSubmitOptions {
  signal?: AbortSignal
  /** Position in this realm's queue (1 = next), called whenever it changes while queued. */
  onPosition?: (position: number) => void
  onChunk?: (text: string) => void
  /** Called once a worker takes the query. */
  onStart?: (worker: WorkerHandle) => void
}

export interface RealmResult {
  result: WorkerResult
  worker: string
  /** ms spent waiting in the queue and running on the worker */
  queuedMs: number
  serviceMs: number
}

export interface RealmMetrics {
  processedQueries: number
  errorCount: number
  avgProcessingTimeMs: number
  /** Queries of this realm's type that ran in another (backup) realm. */
  crossRealmQueries: number
  /** Queries of this realm's type served by a peer. */
  crossFederationQueries: number
  /** Routing attempts that failed (each failover counts). */
  failedRoutes: number
}

interface Pending {
  request: WorkerRequest
  options: RealmSubmitOptions
  enqueuedAt: number
  lastPosition: number
  resolve: (r: RealmResult) => void
  reject: (e: Error) => void
  onAbort?: () => void
}

export interface RealmEvents {
  /** Depth (queued + running) changed. */
  change: []
}

/**
 * One realm: a bounded FIFO queue for its query type that runs as many
 * queries at once as its workers have free capacity (the original broker ran
 * one query at a time system-wide).
 */
export class Realm extends EventEmitter<RealmEvents> {
  private readonly queue: Pending[] = []
  private running = 0
  readonly metrics: RealmMetrics = {
    processedQueries: 0,
    errorCount: 0,
    avgProcessingTimeMs: 0,
    crossRealmQueries: 0,
    crossFederationQueries: 0,
    failedRoutes: 0
  }
  // New or restored capacity may let queued queries start.
  private readonly onWorkersChange = (): void => this.dispatch()

  constructor(
    private currentConfig: RealmConfig,
    private readonly workers: WorkerRegistry,
    /** Longest one worker call may take (legacy `query_timeout`). */
    private readonly queryTimeoutMs = 30_000
  ) {
    super()
    workers.on('change', this.onWorkersChange)
  }

  get config(): RealmConfig {
    return this.currentConfig
  }

  /** Replace the realm's settings at run time (admin API); queued queries keep their place. */
  reconfigure(config: RealmConfig): void {
    this.currentConfig = config
    this.emit('change')
    this.dispatch()
  }

  get name(): string {
    return this.config.name
  }

  get queryType(): QueryType {
    return this.config.primaryQueryType
  }

  get queued(): number {
    return this.queue.length
  }

  get inFlight(): number {
    return this.running
  }

  /** Queued + running, as the legacy `queue_update.depth`. */
  get depth(): number {
    return this.queue.length + this.running
  }

  get capacity(): number {
    return this.workers.capacity(this.queryType)
  }

  get maxQueueSize(): number {
    return this.config.maxQueueSize
  }

  /** True when a worker of this realm could take the query (now or once one frees up). */
  canServe(model?: string): boolean {
    return this.workers.usable(this.queryType, model).length > 0 || this.workers.usable(this.queryType).length > 0
  }

  /** True when some usable worker of this realm serves `model`. */
  servesModel(model: string): boolean {
    return this.workers.usable(this.queryType, model).length > 0
  }

  /** Average service time of this realm's workers that have served something, ms (0 = unknown). */
  get avgServiceMs(): number {
    const known = this.workers.usable(this.queryType).filter((w) => w.avgServiceMs > 0)
    return known.length === 0 ? 0 : known.reduce((s, w) => s + w.avgServiceMs, 0) / known.length
  }

  /** Run a query on this realm's workers. Rejects at once when full or when no worker exists. */
  submit(request: WorkerRequest, options: RealmSubmitOptions = {}): Promise<RealmResult> {
    if (options.signal?.aborted) return Promise.reject(new QueryAbortedError('Query cancelled'))
    if (this.depth >= this.config.maxQueueSize) return Promise.reject(new QueueFullError(this.name))
    if (!this.canServe()) {
      return Promise.reject(new NoWorkerAvailableError(this.queryType, `No worker available for ${this.queryType}`))
    }
    return new Promise<RealmResult>((resolve, reject) => {
      const pending: Pending = { request, options, enqueuedAt: Date.now(), lastPosition: 0, resolve, reject }
      if (options.signal !== undefined) {
        pending.onAbort = () => {
          const index = this.queue.indexOf(pending)
          if (index >= 0) {
            this.queue.splice(index, 1)
            reject(new QueryAbortedError('Query cancelled'))
            this.notifyPositions()
            this.emit('change')
          }
        }
        options.signal.addEventListener('abort', pending.onAbort, { once: true })
      }
      this.queue.push(pending)
      this.emit('change')
      this.dispatch()
      this.notifyPositions()
    })
  }

  /** Start every queued query that a worker has room for, in FIFO order. */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length; ) {
      const pending = this.queue[i] as Pending
      const model = pending.request.modelName === '' ? undefined : pending.request.modelName
      const worker = this.workers.select(this.queryType, this.config.loadBalancing, model)
      if (worker === undefined) {
        if (!this.canServe()) {
          // Every worker went away while this query waited: fail now rather than queue forever.
          this.queue.splice(i, 1)
          this.detach(pending)
          pending.reject(new NoWorkerAvailableError(this.queryType))
          this.emit('change')
          continue
        }
        // All suitable workers are busy; a later query pinned to another model may still start.
        i++
        continue
      }
      this.queue.splice(i, 1)
      this.start(pending, worker)
    }
    this.notifyPositions()
  }

  private detach(pending: Pending): void {
    if (pending.onAbort !== undefined) pending.options.signal?.removeEventListener('abort', pending.onAbort)
  }

  private start(pending: Pending, worker: WorkerHandle): void {
    this.detach(pending)
    this.running++
    worker.inFlight++
    const startedAt = Date.now()
    pending.options.onStart?.(worker)
    const timeout = linkSignals([pending.options.signal], this.queryTimeoutMs)
    const signal = timeout.signal
    // Free the worker before the caller hears the outcome, so a query submitted
    // right after sees it idle (least_busy, capacity).
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.running--
      worker.inFlight--
    }
    void worker.adapter
      .run(pending.request, { signal, onChunk: pending.options.onChunk })
      .then(
        (result) => {
          release()
          const serviceMs = Date.now() - startedAt
          worker.recordService(serviceMs, true)
          const total = Date.now() - pending.enqueuedAt
          const m = this.metrics
          m.avgProcessingTimeMs = (m.avgProcessingTimeMs * m.processedQueries + total) / (m.processedQueries + 1)
          m.processedQueries++
          pending.resolve({ result, worker: worker.name, queuedMs: startedAt - pending.enqueuedAt, serviceMs })
        },
        (err: Error) => {
          release()
          worker.recordService(Date.now() - startedAt, false)
          if (pending.options.signal?.aborted) {
            pending.reject(new QueryAbortedError('Query cancelled'))
            return
          }
          this.metrics.errorCount++
          log('query on %s failed: %s', worker.name, err.message)
          pending.reject(timeout.timedOut ? new WorkerTimeoutError(`Worker ${worker.name} did not answer within ${this.queryTimeoutMs / 1000}s`) : err)
        }
      )
      .finally(() => {
        timeout.clear()
        release()
        this.emit('change')
        this.dispatch()
      })
  }

  private notifyPositions(): void {
    this.queue.forEach((pending, index) => {
      const position = index + 1
      if (pending.lastPosition !== position) {
        pending.lastPosition = position
        pending.options.onPosition?.(position)
      }
    })
  }

  /** Reject everything queued (node stopping, realm deleted). Running queries end through their signals. */
  close(reason = 'Node is stopping'): void {
    this.workers.off('change', this.onWorkersChange)
    for (const pending of this.queue.splice(0)) {
      this.detach(pending)
      pending.reject(new QueryAbortedError(reason))
    }
  }
}
