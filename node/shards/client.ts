import type { AbortOptions, Logger, PeerId, Stream } from '@libp2p/interface'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { SHARD_MAX_FRAME_BYTES, SHARD_MAX_PIPELINED_REQUESTS, SHARD_MAX_QUERIES_PER_FRAME, SHARD_MAX_RECORDS_PER_FRAME } from '../../protocol/index.js'
import { ShardProtocolError, ShardRemoteError } from './errors.js'
import type { Entry, EntryQuery, QueryResult, RecordUpdate } from './store.js'
import { decodeResponse, ShardRequest, ShardResponse, validateResponse } from './wire.js'

/** Request frames a client keeps in flight on one stream (2 measured best: fewer, fuller frames). */
const WINDOW = Math.min(2, SHARD_MAX_PIPELINED_REQUESTS)
/** Bytes of entry values a client packs into one PUT frame, below the frame limit. */
const PUT_FRAME_BUDGET_BYTES = SHARD_MAX_FRAME_BYTES - 512 * 1024

export type Dial = (peer: PeerId, options: AbortOptions) => Promise<Stream>

type RequestBody = Omit<ShardRequest, 'id'>

interface Waiter<T> {
  resolve: (value: T) => void
  reject: (err: Error) => void
  signal?: AbortSignal
  done: boolean
}

interface PutItem extends Waiter<Uint8Array> {
  record: RecordUpdate
  bytes: number
}

interface GetItem extends Waiter<QueryResult> {
  query: EntryQuery
}

interface RawItem extends Waiter<ShardResponse> {
  body: RequestBody
}

interface Sent {
  id: number
  settle: (res: ShardResponse | Error) => void
}

function emptyRequest(type: ShardRequest.Type): RequestBody {
  return { type, records: [], queries: [], bucket: 0, key: new Uint8Array(0), token: new Uint8Array(0), guard: '', ttlMs: 0 }
}

function statusName(status: ShardResponse.Status): string {
  return String(status)
}

function remoteError(res: ShardResponse): ShardRemoteError {
  return new ShardRemoteError(`peer answered ${statusName(res.status)}: ${res.message}`, statusName(res.status))
}

/** Settle every caller of a batched frame: all fail together, or each gets its own record. */
function settleBatch<T>(batch: Array<Waiter<T>>, res: ShardResponse | Error, what: string, value: (res: ShardResponse, i: number) => T): void {
  let failure: Error | undefined
  if (res instanceof Error) failure = res
  else if (res.status !== ShardResponse.Status.OK) failure = remoteError(res)
  else if (res.records.length !== batch.length) failure = new ShardProtocolError(`${what} answer does not match the request`)
  if (failure !== undefined) {
    for (const item of batch) item.reject(failure)
    return
  }
  batch.forEach((item, i) => {
    item.resolve(value(res as ShardResponse, i))
  })
}

function toWireEntry(e: Entry): { id: string; version: bigint; value: Uint8Array<ArrayBuffer> } {
  return { id: e.id, version: e.version, value: e.value as Uint8Array<ArrayBuffer> }
}

/**
 * The client side of the shard protocol towards one peer: one long-lived
 * stream, up to WINDOW pipelined requests, and concurrent PUTs and GETs
 * coalesced into shared frames while the window is full (no timers: under load
 * frames grow, when idle each request goes out at once).
 */
export class PeerChannel {
  private lp?: LengthPrefixedStream<Stream>
  private opening?: Promise<LengthPrefixedStream<Stream>>
  private readonly sent: Sent[] = []
  private readonly raws: RawItem[] = []
  private readonly puts: PutItem[] = []
  private readonly gets: GetItem[] = []
  private nextId = 1
  private pumping = false
  private closed = false

  constructor(
    readonly peer: PeerId,
    private readonly dial: Dial,
    private readonly log: Logger,
    private readonly dialTimeoutMs: number
  ) {}

  put(record: RecordUpdate, options: AbortOptions = {}): Promise<Uint8Array> {
    const bytes = record.entries.reduce((n, e) => n + e.value.byteLength + e.id.length + 16, 40)
    return this.enqueue<Uint8Array, PutItem>(this.puts, (w) => ({ ...w, record, bytes }), options)
  }

  get(query: EntryQuery, options: AbortOptions = {}): Promise<QueryResult> {
    return this.enqueue<QueryResult, GetItem>(this.gets, (w) => ({ ...w, query }), options)
  }

  request(body: Partial<RequestBody> & { type: ShardRequest.Type }, options: AbortOptions = {}): Promise<ShardResponse> {
    const full = { ...emptyRequest(body.type), ...body }
    return this.enqueue<ShardResponse, RawItem>(this.raws, (w) => ({ ...w, body: full }), options)
  }

  /** Fail everything pending and close the stream. */
  close(reason = 'channel closed'): void {
    this.closed = true
    this.fail(new ShardProtocolError(reason), true)
  }

  private enqueue<T, I extends Waiter<T>>(queue: I[], make: (w: Waiter<T>) => I, options: AbortOptions): Promise<T> {
    if (this.closed) return Promise.reject(new ShardProtocolError('channel closed'))
    options.signal?.throwIfAborted()
    return new Promise<T>((resolve, reject) => {
      const item = make({ resolve, reject, signal: options.signal, done: false })
      const onAbort = (): void => {
        if (item.done) return
        item.done = true
        const i = queue.indexOf(item)
        if (i >= 0) queue.splice(i, 1)
        reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'))
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      item.resolve = (v) => {
        options.signal?.removeEventListener('abort', onAbort)
        if (item.done) return
        item.done = true
        resolve(v)
      }
      item.reject = (e) => {
        options.signal?.removeEventListener('abort', onAbort)
        if (item.done) return
        item.done = true
        reject(e)
      }
      queue.push(item)
      this.pump()
    })
  }

  private async stream(): Promise<LengthPrefixedStream<Stream>> {
    if (this.lp !== undefined) return this.lp
    this.opening ??= (async () => {
      try {
        const stream = await this.dial(this.peer, { signal: AbortSignal.timeout(this.dialTimeoutMs) })
        const lp = lpStream(stream, { maxDataLength: SHARD_MAX_FRAME_BYTES, maxBufferSize: SHARD_MAX_FRAME_BYTES + 16 })
        this.lp = lp
        this.readLoop(lp).catch(() => undefined)
        return lp
      } finally {
        this.opening = undefined
      }
    })()
    return this.opening
  }

  private pump(): void {
    if (this.pumping) return
    this.pumping = true
    this.pumpLoop()
      .catch((err: Error) => this.fail(err, true))
      .finally(() => {
        this.pumping = false
        if (this.sent.length < WINDOW && this.hasQueued()) this.pump()
      })
  }

  private hasQueued(): boolean {
    return this.raws.length + this.puts.length + this.gets.length > 0
  }

  private async pumpLoop(): Promise<void> {
    while (this.sent.length < WINDOW && this.hasQueued() && !this.closed) {
      const lp = await this.stream()
      const frame = this.nextFrame()
      if (frame === undefined) return
      const id = this.nextId
      this.nextId = this.nextId >= 0xfffffff0 ? 1 : this.nextId + 1
      this.sent.push({ id, settle: frame.settle })
      await lp.write(ShardRequest.encode({ ...frame.body, id }))
    }
  }

  /** Next frame to send: one raw request, else a batch of PUTs, else a batch of GETs. */
  private nextFrame(): { body: RequestBody; settle: (res: ShardResponse | Error) => void } | undefined {
    const raw = this.raws.shift()
    if (raw !== undefined) {
      return { body: raw.body, settle: (res) => (res instanceof Error ? raw.reject(res) : raw.resolve(res)) }
    }
    if (this.puts.length > 0) {
      const batch: PutItem[] = []
      let bytes = 0
      while (this.puts.length > 0 && batch.length < SHARD_MAX_RECORDS_PER_FRAME) {
        const next = this.puts[0] as PutItem
        if (batch.length > 0 && bytes + next.bytes > PUT_FRAME_BUDGET_BYTES) break
        batch.push(this.puts.shift() as PutItem)
        bytes += next.bytes
      }
      const body = emptyRequest(ShardRequest.Type.PUT)
      body.records = batch.map((item) => ({
        key: item.record.key as Uint8Array<ArrayBuffer>,
        entries: item.record.entries.map(toWireEntry),
        digest: new Uint8Array(0),
        more: false
      }))
      return {
        body,
        settle: (res) => settleBatch(batch, res, 'PUT', (r, i) => r.records[i]?.digest as Uint8Array)
      }
    }
    if (this.gets.length > 0) {
      const batch = this.gets.splice(0, SHARD_MAX_QUERIES_PER_FRAME)
      const body = emptyRequest(ShardRequest.Type.GET)
      body.queries = batch.map((item) => ({
        key: item.query.key as Uint8Array<ArrayBuffer>,
        prefix: item.query.prefix ?? '',
        limit: item.query.limit ?? 0,
        reverse: item.query.reverse === true,
        after: item.query.after
      }))
      return {
        body,
        settle: (res) =>
          settleBatch(batch, res, 'GET', (r, i) => {
            const record = r.records[i] as ShardResponse['records'][number]
            return { entries: record.entries, more: record.more, digest: record.digest }
          })
      }
    }
    return undefined
  }

  private async readLoop(lp: LengthPrefixedStream<Stream>): Promise<void> {
    try {
      for (;;) {
        const frame = await lp.read()
        const res = decodeResponse(frame)
        validateResponse(res)
        const waiting = this.sent.shift()
        if (waiting === undefined || waiting.id !== res.id) throw new ShardProtocolError(`unexpected response id ${res.id}`)
        waiting.settle(res)
        if (this.hasQueued()) this.pump()
      }
    } catch (err) {
      if (this.lp === lp) {
        const quiet = this.sent.length === 0
        if (!quiet) this.log('shard stream to %p failed: %s', this.peer, (err as Error).message)
        this.fail(err instanceof ShardProtocolError ? err : new ShardProtocolError(`stream to ${this.peer} failed: ${(err as Error).message}`), false)
      }
    }
  }

  /** Drop the stream; fail what was sent, and what is queued too when `all`. */
  private fail(err: Error, all: boolean): void {
    const lp = this.lp
    this.lp = undefined
    lp?.unwrap().abort(err)
    for (const s of this.sent.splice(0)) s.settle(err)
    if (all || this.closed) {
      for (const item of this.raws.splice(0)) item.reject(err)
      for (const item of this.puts.splice(0)) item.reject(err)
      for (const item of this.gets.splice(0)) item.reject(err)
    } else if (this.hasQueued()) {
      this.pump()
    }
  }
}
