import type { PeerId, Stream } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { QUERY_PROTOCOL } from '../../protocol/index.js'
import { ErrorCode, QueryRequest, QueryResponse, ResponseKind, ResultType } from '../../protocol/pb/query.js'
import type { NodeConfig } from '../config/index.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import {
  QueryAbortedError,
  type QueryOutcome,
  type QueryRunner,
  type QueryRunOptions,
  QueueFullError,
  type Realm,
  type RealmRegistry
} from '../realms/index.js'
import { type LinkedSignal, linkSignals } from '../signals.js'
import { NoWorkerAvailableError, type WorkerRequest, type WorkerResult } from '../workers/index.js'
import { type Directory, type DirectoryEntry, servesModel } from './directory.js'
import type { Discovery } from './discovery.js'
import { QueryDeadlineError, RouteError, toWireError } from './errors.js'
import { MAX_QUERY_RESPONSE_BYTES, QUERY_PROTOCOL_VERSION } from './query-server.js'

const log = logger('rentahal:federation:router')

/** Candidates tried per query before giving up (within the deadline). */
export const MAX_ROUTE_ATTEMPTS = 3
/** Queries this node may have running on one peer at once. */
export const MAX_INFLIGHT_PER_PEER = 256
/** Expected service time of a worker that has not answered anything yet. */
const UNKNOWN_SERVICE_MS = 1_000
/** Score penalty per recent failure of a peer, and how long failures are remembered. */
const FAILURE_PENALTY_MS = 5_000
const FAILURE_MEMORY_MS = 30_000
/**
 * Idle query streams kept per peer, and how long; shorter than the listener's STREAM_IDLE_MS.
 * As many as queries may be in flight to one peer: with fewer, every query above the pool size
 * opens and negotiates a new stream, which costs ~3× a pooled one (scripts/bench/throughput.ts).
 */
const MAX_IDLE_STREAMS_PER_PEER = MAX_INFLIGHT_PER_PEER
const POOL_IDLE_MS = 20_000

interface Candidate {
  /** Expected wait in ms; lower is better. */
  score: number
  local: boolean
  realm?: Realm
  peer?: DirectoryEntry
}

export interface RouterComponents {
  libp2p: RentahalLibp2p
  realms: RealmRegistry
  directory: Directory
  discovery?: Discovery
  config: NodeConfig
}

export interface RouterInit {
  /** Overall deadline of a query when the caller gives none (default: 2 × the worker query timeout). */
  defaultDeadlineMs?: number
  maxAttempts?: number
}

/**
 * The federation router: runs each query on the best candidate — this node's
 * realm or a peer serving the type — and fails over on retryable errors
 * within one overall deadline.
 */
export class Router implements QueryRunner {
  private readonly inflight = new Map<string, number>()
  private readonly failures = new Map<string, { count: number; at: number }>()
  private readonly controller = new AbortController()
  private readonly streams = new StreamPool()
  private readonly defaultDeadlineMs: number
  private readonly maxAttempts: number

  constructor(
    private readonly components: RouterComponents,
    init: RouterInit = {}
  ) {
    this.defaultDeadlineMs = init.defaultDeadlineMs ?? components.config.workers.queryTimeoutMs * 2
    this.maxAttempts = init.maxAttempts ?? MAX_ROUTE_ATTEMPTS
    components.directory.on('remove', this.forget)
  }

  stop(): void {
    this.controller.abort()
    this.components.directory.off('remove', this.forget)
    this.streams.closeAll()
  }

  /** A peer left the directory: drop what the router kept about it (its idle streams, its failures). */
  private readonly forget = (peerId: PeerId): void => {
    const key = peerId.toString()
    this.failures.delete(key)
    this.streams.drop(key)
  }

  async run(request: WorkerRequest, options: QueryRunOptions = {}): Promise<QueryOutcome> {
    const deadlineMs = options.deadlineMs ?? this.defaultDeadlineMs
    const deadline = linkSignals([this.controller.signal, options.signal], deadlineMs)
    try {
      return await this.runWithin(request, options, deadlineMs, deadline)
    } finally {
      deadline.clear()
    }
  }

  private async runWithin(request: WorkerRequest, options: QueryRunOptions, deadlineMs: number, deadline: LinkedSignal): Promise<QueryOutcome> {
    const signal = deadline.signal
    const primary = this.components.realms.findForType(request.queryType)
    const candidates = this.candidates(request, options, primary)
    if (candidates.length === 0 && primary !== undefined && primary.canServe() && primary.depth >= primary.maxQueueSize) {
      // Full here, and nowhere to spill to: the legacy answer.
      throw new QueueFullError(primary.name)
    }
    if (candidates.length === 0) {
      // Maybe a provider exists that no advert told us about yet: ask the DHT for next time.
      void this.components.discovery?.lookupProviders([request.queryType])
      throw new NoWorkerAvailableError(request.queryType, `No worker in the federation serves ${request.queryType}`)
    }
    const expiresAt = Date.now() + deadlineMs
    let lastError: Error | undefined
    for (const candidate of candidates.slice(0, this.maxAttempts)) {
      try {
        if (candidate.local) {
          const realm = candidate.realm as Realm
          if (primary !== undefined && realm !== primary) primary.metrics.crossRealmQueries++
          const out = await realm.submit(request, {
            signal,
            onPosition: options.onPosition,
            onChunk: options.onChunk,
            onStart: (worker) => options.onServing?.({ worker: worker.name, realm: realm.name })
          })
          return { result: out.result, servedBy: { worker: out.worker, realm: realm.name } }
        }
        const entry = candidate.peer as DirectoryEntry
        const started = Date.now()
        const outcome = await this.queryPeer(entry.peerId, request, { ...options, signal, deadlineMs: Math.max(1, expiresAt - Date.now()) })
        this.failures.delete(entry.peerId.toString())
        if (primary !== undefined) {
          const m = primary.metrics
          m.crossFederationQueries++
          m.avgProcessingTimeMs = (m.avgProcessingTimeMs * m.processedQueries + (Date.now() - started)) / (m.processedQueries + 1)
          m.processedQueries++
        }
        return outcome
      } catch (err) {
        if (options.signal?.aborted) throw new QueryAbortedError('Query cancelled')
        if (deadline.timedOut) throw new QueryDeadlineError(`No answer within the query deadline of ${(deadlineMs / 1000).toFixed(1)}s`)
        if (this.controller.signal.aborted) throw new QueryAbortedError('Node is stopping')
        const wire = toWireError(err)
        if (primary !== undefined) primary.metrics.failedRoutes++
        if (candidate.peer !== undefined) this.recordFailure(candidate.peer.peerId)
        log('attempt on %s failed (%s): %s', candidate.local ? 'this node' : candidate.peer?.peerId, ErrorCode[wire.code], wire.message)
        if (!wire.retryable) throw err
        lastError = err as Error
      }
    }
    throw lastError ?? new NoWorkerAvailableError(request.queryType)
  }

  /** Every place the query could run, best first (local wins ties). */
  private candidates(request: WorkerRequest, options: QueryRunOptions, primary: Realm | undefined): Candidate[] {
    const model = request.modelName === '' ? undefined : request.modelName
    const self = this.components.libp2p.peerId
    const exclude = new Set(options.excludePeers ?? [])
    const local: Candidate[] = []
    if (primary?.canServe()) {
      if (primary.depth < primary.maxQueueSize) local.push({ score: realmWait(primary), local: true, realm: primary })
      else {
        // Graceful degradation: a full realm spills to its backup realms, then to peers.
        for (const name of primary.config.backupRealms) {
          const backup = this.components.realms.get(name)
          if (backup?.canServe() && backup.depth < backup.maxQueueSize) local.push({ score: realmWait(backup) + 1, local: true, realm: backup })
        }
      }
    }
    const remote: Candidate[] = this.components.directory
      .providers(request.queryType)
      .filter((e) => !e.peerId.equals(self) && !exclude.has(e.peerId.toString()))
      .filter((e) => (this.inflight.get(e.peerId.toString()) ?? 0) < MAX_INFLIGHT_PER_PEER)
      .map((e) => ({ score: this.peerWait(e, request.queryType), local: false, peer: e }))
    let all = [...local, ...remote]
    if (model !== undefined) {
      const exact = all.filter((c) => (c.local ? (c.realm as Realm).servesModel(model) : servesModel(c.peer as DirectoryEntry, request.queryType, model)))
      if (exact.length > 0) all = exact
    }
    // Stable sort: local candidates come first, so they win ties.
    return all.sort((a, b) => a.score - b.score)
  }

  private peerWait(entry: DirectoryEntry, type: string): number {
    let capacity = 0
    let queued = 0
    let serviceSum = 0
    let serviceN = 0
    for (const realm of entry.advert.realms) {
      const workers = realm.workers.filter((w) => w.queryType === type && !w.blacklisted)
      if (workers.length === 0) continue
      queued += realm.queueDepth
      for (const w of workers) {
        capacity += w.capacity
        if (w.avgServiceMs > 0) {
          serviceSum += w.avgServiceMs
          serviceN++
        }
      }
    }
    const service = serviceN === 0 ? UNKNOWN_SERVICE_MS : serviceSum / serviceN
    const mine = this.inflight.get(entry.peerId.toString()) ?? 0
    const wait = ((queued + mine + 1) / Math.max(1, capacity)) * service
    const failure = this.failures.get(entry.peerId.toString())
    const penalty = failure !== undefined && Date.now() - failure.at < FAILURE_MEMORY_MS ? failure.count * FAILURE_PENALTY_MS : 0
    return wait + (entry.rttMs ?? 1) + penalty
  }

  private recordFailure(peer: PeerId): void {
    const key = peer.toString()
    const prev = this.failures.get(key)
    const recent = prev !== undefined && Date.now() - prev.at < FAILURE_MEMORY_MS
    this.failures.set(key, { count: recent ? prev.count + 1 : 1, at: Date.now() })
  }

  /** Run a query on one peer over /rentahal/query/1.0.0, on a pooled warm stream when one is idle. */
  async queryPeer(peer: PeerId | string, request: WorkerRequest, options: QueryRunOptions & { signal: AbortSignal }): Promise<QueryOutcome> {
    const peerId = typeof peer === 'string' ? peerIdFromString(peer) : peer
    const key = peerId.toString()
    this.inflight.set(key, (this.inflight.get(key) ?? 0) + 1)
    try {
      const pooled = this.streams.take(key)
      if (pooled !== undefined) return await this.queryOnStream(peerId, pooled, request, options)
      const stream = await this.dial(peerId, options.signal)
      return await this.queryOnStream(peerId, { stream, lp: lpStream(stream, { maxDataLength: MAX_QUERY_RESPONSE_BYTES }), idleSince: 0 }, request, options)
    } finally {
      const n = (this.inflight.get(key) ?? 1) - 1
      if (n <= 0) this.inflight.delete(key)
      else this.inflight.set(key, n)
    }
  }

  private async dial(peerId: PeerId, signal: AbortSignal): Promise<Stream> {
    try {
      // The dialer writes first, so the protocol header can travel with the request.
      return await this.components.libp2p.dialProtocol(peerId, QUERY_PROTOCOL, { signal, negotiateFully: false })
    } catch (err) {
      if (signal.aborted) throw err
      throw new RouteError(`Peer ${peerId} unreachable: ${(err as Error).message}`, ErrorCode.INTERNAL, true, peerId.toString())
    }
  }

  private async queryOnStream(
    peerId: PeerId,
    pooled: PooledStream,
    request: WorkerRequest,
    options: QueryRunOptions & { signal: AbortSignal }
  ): Promise<QueryOutcome> {
    const key = peerId.toString()
    const { stream, lp } = pooled
    const { signal } = options
    const onAbort = (): void => stream.abort(new Error('query cancelled'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      await lp.write(
        QueryRequest.encode({
          version: QUERY_PROTOCOL_VERSION,
          id: crypto.randomUUID(),
          queryType: request.queryType,
          modelType: request.modelType,
          modelName: request.modelName,
          prompt: request.prompt,
          image: (request.image ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
          audio: (request.audio ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
          deadlineMs: Math.max(1, Math.round(options.deadlineMs ?? this.defaultDeadlineMs)),
          hopCount: (options.hopCount ?? 0) + 1,
          stream: options.onChunk !== undefined
        })
      )
      for (;;) {
        // No signal on read/write: onAbort resets the stream, which fails them (one listener per query, not per frame).
        const frame = QueryResponse.decode(await lp.read())
        switch (frame.kind) {
          case ResponseKind.POSITION:
            options.onPosition?.(frame.position)
            break
          case ResponseKind.STARTED:
            options.onServing?.({ peerId: key, worker: frame.worker, realm: frame.realm })
            break
          case ResponseKind.CHUNK:
            options.onChunk?.(frame.text)
            break
          case ResponseKind.RESULT: {
            const r = frame.result
            if (r === undefined) throw new RouteError(`Peer ${key} sent a result frame without a result`, ErrorCode.INTERNAL, true, key)
            this.streams.give(key, pooled)
            return { result: resultFromWire(r), servedBy: { peerId: key, worker: r.worker, realm: r.realm } }
          }
          case ResponseKind.ERROR: {
            const e = frame.error
            this.streams.give(key, pooled)
            throw new RouteError(e?.message ?? 'unknown error', e?.code ?? ErrorCode.INTERNAL, e?.retryable ?? true, key)
          }
          default:
            throw new RouteError(`Peer ${key} sent an unknown frame kind ${frame.kind}`, ErrorCode.INTERNAL, true, key)
        }
      }
    } catch (err) {
      if ((err as Error).name === 'RouteError' && stream.status === 'open' && this.streams.holds(key, pooled)) throw err
      stream.abort(err as Error)
      if (signal.aborted) throw err
      if ((err as Error).name === 'RouteError') throw err
      // The peer went away or broke the stream: another peer may still answer.
      throw new RouteError(`Peer ${key} failed: ${(err as Error).message}`, ErrorCode.INTERNAL, true, key)
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}

interface PooledStream {
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  /** When it went back to the pool (0: fresh). */
  idleSince: number
}

/** Idle query streams per peer, reused so most queries skip stream negotiation. */
class StreamPool {
  private readonly idle = new Map<string, PooledStream[]>()

  /** An open idle stream to the peer, dropping ones idle too long or closed meanwhile. */
  take(peer: string): PooledStream | undefined {
    const list = this.idle.get(peer)
    while (list !== undefined && list.length > 0) {
      const s = list.pop() as PooledStream
      // A stream the listener closed (idle) has stopped being readable here.
      const usable = s.stream.status === 'open' && s.stream.writeStatus === 'writable' && s.stream.readStatus === 'readable'
      if (usable && Date.now() - s.idleSince < POOL_IDLE_MS) return s
      s.stream.abort(new Error('idle query stream expired'))
    }
    this.idle.delete(peer)
    return undefined
  }

  give(peer: string, s: PooledStream): void {
    const list = this.idle.get(peer) ?? []
    if (list.length >= MAX_IDLE_STREAMS_PER_PEER || s.stream.status !== 'open') {
      void s.stream.close().catch(() => undefined)
      return
    }
    s.idleSince = Date.now()
    list.push(s)
    this.idle.set(peer, list)
  }

  /** True unless the stream was just handed back to the pool. */
  holds(peer: string, s: PooledStream): boolean {
    return (this.idle.get(peer) ?? []).includes(s)
  }

  /** Close a peer's idle streams. */
  drop(peer: string): void {
    for (const s of this.idle.get(peer) ?? []) s.stream.abort(new Error('peer left the directory'))
    this.idle.delete(peer)
  }

  closeAll(): void {
    for (const list of this.idle.values()) for (const s of list) s.stream.abort(new Error('router stopping'))
    this.idle.clear()
  }
}

function realmWait(realm: Realm): number {
  return ((realm.queued + realm.inFlight + 1) / Math.max(1, realm.capacity)) * (realm.avgServiceMs || UNKNOWN_SERVICE_MS)
}

function resultFromWire(r: NonNullable<QueryResponse['result']>): WorkerResult {
  switch (r.type) {
    case ResultType.IMAGE:
      return { type: 'image', data: r.data, mime: r.mime || 'image/png' }
    case ResultType.AUDIO:
      return { type: 'audio', data: r.data, mime: r.mime || 'audio/wav' }
    default:
      return { type: 'text', text: r.text }
  }
}
