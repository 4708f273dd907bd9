import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { isQueryType, QUERY_PROTOCOL } from '../../protocol/index.js'
import { ErrorCode, QueryRequest, QueryResponse, ResponseKind, ResultType } from '../../protocol/pb/query.js'
import type { RentahalLibp2p } from '../p2p/index.js'
import type { QueryRunner, RealmRegistry } from '../realms/index.js'
import { type LinkedSignal, linkSignals } from '../signals.js'
import type { WorkerRequest, WorkerResult } from '../workers/index.js'
import { RouteError, toWireError } from './errors.js'

const log = logger('rentahal:federation:query-server')

export const QUERY_PROTOCOL_VERSION = 1
/** Largest request frame: attachments are bounded by MAX_ATTACHMENT_BYTES, plus the prompt. */
export const MAX_QUERY_REQUEST_BYTES = 8 * 1024 * 1024
/** Largest response frame (an image result). */
export const MAX_QUERY_RESPONSE_BYTES = 32 * 1024 * 1024
/** A request must arrive complete within this time, or the stream is reset (half-frame stalls). */
export const REQUEST_READ_TIMEOUT_MS = 10_000
/** A stream waits this long for its next request before the listener closes it; dialers drop idle streams sooner. */
export const STREAM_IDLE_MS = 30_000
/** Streams of this protocol per connection, each way; libp2p's default (32) is too low for routing. */
export const QUERY_STREAM_LIMIT = 512
/** Queries one peer may have running here at once. */
export const MAX_QUERIES_PER_PEER = 256
/** No query travels more hops than this, whatever relays are configured to do (loop guard). */
export const MAX_HOP_COUNT = 8
/** Longest deadline a peer may ask for. */
export const MAX_DEADLINE_MS = 10 * 60_000

export interface QueryServerComponents {
  libp2p: RentahalLibp2p
  realms: RealmRegistry
  /** Used only when relaying (hop_count below maxHops): the federation router. */
  relay?: QueryRunner
}

export interface QueryServerInit {
  /** Forward queries this node cannot serve itself (off by default: hop limit 1). */
  relay?: boolean
  maxHops?: number
  /** How long a peer may take to send its whole request (default REQUEST_READ_TIMEOUT_MS). */
  requestTimeoutMs?: number
}

/** The serving side of /rentahal/query/1.0.0: runs a peer's query on this node's realms. */
export class QueryServer {
  private readonly perPeer = new Map<string, number>()
  private readonly controller = new AbortController()
  /** Streams reset because of a bad or stalled request (for tests and metrics). */
  badStreams = 0

  constructor(
    private readonly components: QueryServerComponents,
    private readonly init: QueryServerInit = {}
  ) {}

  async start(): Promise<void> {
    await this.components.libp2p.handle(QUERY_PROTOCOL, this.handle, {
      maxInboundStreams: QUERY_STREAM_LIMIT,
      maxOutboundStreams: QUERY_STREAM_LIMIT
    })
  }

  async stop(): Promise<void> {
    this.controller.abort()
    await this.components.libp2p.unhandle(QUERY_PROTOCOL)
  }

  get inFlight(): number {
    let n = 0
    for (const v of this.perPeer.values()) n += v
    return n
  }

  /**
   * One stream carries queries one after another: after the final frame of a
   * query the listener waits (up to STREAM_IDLE_MS) for the next request, so a
   * dialer can reuse warm streams instead of negotiating one per query.
   */
  private readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const lp = lpStream(stream, { maxDataLength: MAX_QUERY_REQUEST_BYTES })
    // One signal for all of this stream's reads (aborted by a read timeout, which ends the stream,
    // or by the server stopping); each read only arms a timer. An abort signal per request was a
    // measurable share of a query's CPU and garbage (scripts/bench/throughput.ts).
    const reads = linkSignals([this.controller.signal])
    let first = true
    try {
      while (stream.status === 'open' && !this.controller.signal.aborted) {
        let request: QueryRequest
        let timedOut = false
        const timer = setTimeout(
          () => {
            timedOut = true
            reads.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
          },
          first ? (this.init.requestTimeoutMs ?? REQUEST_READ_TIMEOUT_MS) : STREAM_IDLE_MS
        )
        try {
          const bytes = await lp.read({ signal: reads.signal })
          request = QueryRequest.decode(bytes)
        } catch (err) {
          if (!first && (timedOut || (err as Error).name === 'UnexpectedEOFError')) {
            // Between queries: the dialer is done with this stream, or it sat idle too long.
            await stream.close().catch((closeErr: Error) => stream.abort(closeErr))
            return
          }
          // Oversized length prefix, malformed protobuf, or a request that stalls: reset and forget.
          if (!this.controller.signal.aborted) this.badStreams++
          log('bad query stream from %p: %s', connection.remotePeer, (err as Error).message)
          stream.abort(err as Error)
          return
        } finally {
          clearTimeout(timer)
        }
        first = false
        if (!(await this.serveOne(stream, lp, request, connection.remotePeer))) return
      }
    } finally {
      reads.clear()
    }
  }

  /** Serve one request; true when the stream is still usable for the next one. */
  private async serveOne(stream: Stream, lp: LengthPrefixedStream<Stream>, request: QueryRequest, peer: PeerId): Promise<boolean> {
    const writer = new FrameWriter(lp)
    const send = (response: QueryResponse): Promise<void> => writer.send(response)
    // The requesting peer closing or resetting the stream cancels the query (and the worker call).
    let cancelled = false
    let deadline: LinkedSignal | undefined
    const onClose = (): void => {
      cancelled = true
      deadline?.abort(new RouteError('The requesting peer cancelled', ErrorCode.CANCELLED, false))
    }
    stream.addEventListener('close', onClose)
    let counted = false
    try {
      const invalid = this.validate(request)
      if (invalid !== undefined) throw invalid
      if ((this.perPeer.get(peer.toString()) ?? 0) >= MAX_QUERIES_PER_PEER) {
        throw new RouteError(`Peer ${peer} has ${MAX_QUERIES_PER_PEER} queries running here`, ErrorCode.OVERLOADED, true)
      }
      this.count(peer, 1)
      counted = true
      deadline = linkSignals([this.controller.signal], Math.min(request.deadlineMs, MAX_DEADLINE_MS))
      if (cancelled) deadline.abort(new RouteError('The requesting peer cancelled', ErrorCode.CANCELLED, false))
      const signal = deadline.signal
      const result = await this.run(request, peer, signal, writer)
      await send({ kind: ResponseKind.RESULT, position: 0, text: '', worker: '', realm: '', result })
      return true
    } catch (err) {
      if (cancelled || stream.status !== 'open') {
        stream.abort(err as Error)
        return false
      }
      const wire = this.controller.signal.aborted
        ? { code: ErrorCode.INTERNAL, retryable: true, message: 'The serving peer is stopping' }
        : deadline?.timedOut === true
          ? { code: ErrorCode.DEADLINE_EXCEEDED, retryable: false, message: 'Query deadline exceeded on the serving peer' }
          : toWireError(err)
      try {
        await send({ kind: ResponseKind.ERROR, position: 0, text: '', worker: '', realm: '', error: wire })
        return !this.controller.signal.aborted
      } catch (writeErr) {
        stream.abort(writeErr as Error)
        return false
      }
    } finally {
      stream.removeEventListener('close', onClose)
      deadline?.clear()
      if (counted) this.count(peer, -1)
    }
  }

  private count(peer: PeerId, delta: number): void {
    const key = peer.toString()
    const next = (this.perPeer.get(key) ?? 0) + delta
    if (next <= 0) this.perPeer.delete(key)
    else this.perPeer.set(key, next)
  }

  private validate(r: QueryRequest): RouteError | undefined {
    if (r.version !== QUERY_PROTOCOL_VERSION) {
      return new RouteError(
        `Unsupported query protocol version ${r.version} (this peer speaks ${QUERY_PROTOCOL_VERSION})`,
        ErrorCode.UNSUPPORTED_VERSION,
        false
      )
    }
    if (!isQueryType(r.queryType)) return new RouteError(`Unknown query type ${r.queryType}`, ErrorCode.BAD_REQUEST, false)
    if (r.deadlineMs === 0) return new RouteError('A query needs a deadline', ErrorCode.BAD_REQUEST, false)
    if (r.hopCount === 0) return new RouteError('hop_count must be at least 1', ErrorCode.BAD_REQUEST, false)
    if (r.hopCount > MAX_HOP_COUNT) return new RouteError(`Hop limit ${MAX_HOP_COUNT} exceeded`, ErrorCode.HOP_LIMIT, false)
    return undefined
  }

  private async run(r: QueryRequest, from: PeerId, signal: AbortSignal, writer: FrameWriter): Promise<QueryResponse['result']> {
    const request: WorkerRequest = {
      queryType: r.queryType as WorkerRequest['queryType'],
      prompt: r.prompt,
      modelType: r.modelType,
      modelName: r.modelName,
      image: r.image.byteLength > 0 ? r.image : undefined,
      audio: r.audio.byteLength > 0 ? r.audio : undefined
    }
    const enqueue = (response: QueryResponse): void => writer.push(response)
    const base = { position: 0, text: '', worker: '', realm: '' }
    const realm = this.components.realms.findForType(request.queryType)
    const canServeHere = realm?.canServe() === true
    const relay = this.components.relay
    if (!canServeHere && this.init.relay === true && relay !== undefined && r.hopCount < (this.init.maxHops ?? 1)) {
      const outcome = await relay.run(request, {
        signal,
        // The caller's budget, not the relay's default: the next hop must plan with what is left.
        deadlineMs: Math.min(r.deadlineMs, MAX_DEADLINE_MS),
        hopCount: r.hopCount,
        excludePeers: [from.toString()],
        onPosition: (position) => enqueue({ ...base, kind: ResponseKind.POSITION, position }),
        onChunk: r.stream ? (text) => enqueue({ ...base, kind: ResponseKind.CHUNK, text }) : undefined,
        onServing: (s) => enqueue({ ...base, kind: ResponseKind.STARTED, worker: s.worker, realm: s.realm })
      })
      return resultToWire(outcome.result, outcome.servedBy.worker, outcome.servedBy.realm, 0)
    }
    if (realm === undefined) throw new RouteError(`This peer has no realm for ${r.queryType}`, ErrorCode.NO_WORKER, true)
    const out = await realm.submit(request, {
      signal,
      onPosition: (position) => enqueue({ ...base, kind: ResponseKind.POSITION, position }),
      onChunk: r.stream ? (text) => enqueue({ ...base, kind: ResponseKind.CHUNK, text }) : undefined,
      onStart: (worker) => enqueue({ ...base, kind: ResponseKind.STARTED, worker: worker.name, realm: realm.name })
    })
    return resultToWire(out.result, out.worker, realm.name, out.serviceMs)
  }
}

/**
 * Writes one query's response frames in order, coalescing: progress frames
 * (POSITION, STARTED, CHUNK) wait until the end of the current event-loop
 * turn, and whatever is pending then goes out in one write. A fast worker's
 * STARTED and RESULT thus share one Noise frame and one socket write instead
 * of two, which is most of the per-query cost at high rates
 * (scripts/bench/throughput.ts); a streaming worker's chunks are batched per
 * turn. Order is kept: flushes run one at a time, each takes everything queued.
 */
class FrameWriter {
  private pending: Uint8Array[] = []
  private flushing?: Promise<void>
  private scheduled = false

  constructor(private readonly lp: LengthPrefixedStream<Stream>) {}

  /** Queue a progress frame; errors surface on the final send. */
  push(response: QueryResponse): void {
    this.pending.push(QueryResponse.encode(response))
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.flush().catch(() => undefined)
    })
  }

  /** Queue a frame and write everything pending now. */
  async send(response: QueryResponse): Promise<void> {
    this.pending.push(QueryResponse.encode(response))
    await this.flush()
  }

  private async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing.catch(() => undefined)
    if (this.pending.length === 0) return
    const frames = this.pending
    this.pending = []
    this.flushing = (frames.length === 1 ? this.lp.write(frames[0] as Uint8Array) : this.lp.writeV(frames)).finally(() => {
      this.flushing = undefined
    })
    await this.flushing
  }
}

export function resultToWire(result: WorkerResult, worker: string, realm: string, serviceMs: number): QueryResponse['result'] {
  if (result.type === 'text') return { type: ResultType.TEXT, text: result.text, data: new Uint8Array(0), mime: 'text/plain', worker, realm, serviceMs }
  return {
    type: result.type === 'image' ? ResultType.IMAGE : ResultType.AUDIO,
    text: '',
    data: result.data as Uint8Array<ArrayBuffer>,
    mime: result.mime,
    worker,
    realm,
    serviceMs
  }
}
