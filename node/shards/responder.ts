import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import {
  SHARD_MAX_ENTRIES_PER_RECORD,
  SHARD_MAX_FRAME_BYTES,
  SHARD_MAX_KEYS_PER_FRAME,
  SHARD_MAX_PIPELINED_REQUESTS,
  SHARD_RESPONSE_BUDGET_BYTES,
  SHARD_STREAM_IDLE_MS
} from '../../protocol/index.js'
import { equalBytes } from './keys.js'
import type { LockTable } from './locks.js'
import { bucketDigests, type ShardStore } from './store.js'
import { decodeRequest, ShardRequest, ShardResponse, validateRequest } from './wire.js'

export interface ShardResponderComponents {
  store: ShardStore
  locks: LockTable
  /** Whether, in this node's view, `peer` is an owner of `key` alongside this node. */
  coOwned(key: Uint8Array, peer: PeerId): boolean
  log: Logger
}

/** A peer sending this many bad frames on one stream is cut off. */
const MAX_BAD_FRAMES = 3

function response(id: number, status: ShardResponse.Status, message = ''): ShardResponse {
  return { id, status, message, records: [], buckets: [], keys: [], more: false }
}

function statusOf(err: Error): ShardResponse.Status {
  switch (err.name) {
    case 'InvalidShardRequestError':
      return ShardResponse.Status.BAD_REQUEST
    case 'ShardStoreWriteError':
      return ShardResponse.Status.STORE_FAILED
    default:
      return ShardResponse.Status.UNAVAILABLE
  }
}

/**
 * The serving side of /rentahal/shard/1.0.0: reads request frames from a
 * stream one at a time and answers each, in order, before reading the next.
 */
export class ShardResponder {
  constructor(private readonly components: ShardResponderComponents) {}

  /**
   * Requests on a stream are answered strictly in order, but up to
   * SHARD_MAX_PIPELINED_REQUESTS of them are worked on at once, so the writes
   * of pipelined PUTs share the store's group commits.
   */
  async handle(stream: Stream, connection: Connection): Promise<void> {
    const { log } = this.components
    const peer = connection.remotePeer
    const lp = lpStream(stream, { maxDataLength: SHARD_MAX_FRAME_BYTES, maxBufferSize: SHARD_MAX_FRAME_BYTES + 16 })
    let bad = 0
    let inFlight = 0
    // Responses go out in request order through this chain.
    let tail: Promise<void> = Promise.resolve()
    const reply = (answer: Promise<ShardResponse>): void => {
      inFlight++
      tail = tail.then(async () => {
        const res = await answer
        inFlight--
        await lp.write(ShardResponse.encode(res))
      })
    }
    try {
      for (;;) {
        if (inFlight >= SHARD_MAX_PIPELINED_REQUESTS) await tail
        let frame: Awaited<ReturnType<typeof lp.read>>
        try {
          frame = await lp.read({ signal: AbortSignal.timeout(SHARD_STREAM_IDLE_MS) })
        } catch (err) {
          await tail
          const e = err as Error
          if (e.name === 'InvalidDataLengthError' || e.name === 'InvalidDataLengthLengthError' || e.name === 'InvalidMessageLengthError') {
            log('shard frame from %p over the limit: %s', peer, e.message)
            await lp.write(ShardResponse.encode(response(0, ShardResponse.Status.TOO_LARGE, `frames are limited to ${SHARD_MAX_FRAME_BYTES} bytes`)))
            stream.abort(e)
          } else {
            await stream.close().catch(() => undefined)
          }
          return
        }
        let req: ShardRequest | undefined
        try {
          req = decodeRequest(frame)
          validateRequest(req)
        } catch (err) {
          bad++
          log('bad shard request from %p: %s', peer, (err as Error).message)
          // Answer under the request's id when it decoded, so a pipelining client stays in step.
          reply(Promise.resolve(response(req?.id ?? 0, ShardResponse.Status.BAD_REQUEST, (err as Error).message)))
          if (bad >= MAX_BAD_FRAMES) {
            await tail
            stream.abort(new Error('too many bad requests'))
            return
          }
          continue
        }
        const request = req
        reply(
          this.answer(request, peer).catch((err: Error) => {
            log.error('shard %s from %p failed: %s', request.type, peer, err.message)
            return response(request.id, statusOf(err), err.message)
          })
        )
      }
    } catch (err) {
      log('shard stream from %p ended: %s', peer, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  private async answer(req: ShardRequest, peer: PeerId): Promise<ShardResponse> {
    const { store, locks, coOwned } = this.components
    const res = response(req.id, ShardResponse.Status.OK)
    switch (req.type) {
      case ShardRequest.Type.PUT: {
        const digests = await store.merge(req.records.map((r) => ({ key: r.key, entries: r.entries })))
        res.records = req.records.map((r, i) => ({ key: r.key, entries: [], digest: digests[i] as Uint8Array<ArrayBuffer>, more: false }))
        return res
      }
      case ShardRequest.Type.GET: {
        let budget = SHARD_RESPONSE_BUDGET_BYTES
        for (const q of req.queries) {
          const result =
            budget > 0
              ? await store.query(
                  {
                    key: q.key,
                    prefix: q.prefix,
                    limit: Math.min(q.limit || SHARD_MAX_ENTRIES_PER_RECORD, SHARD_MAX_ENTRIES_PER_RECORD),
                    reverse: q.reverse,
                    after: q.after
                  },
                  budget
                )
              : { entries: [], more: true, digest: (await store.info(q.key))?.digest ?? new Uint8Array(32) }
          for (const e of result.entries) budget -= e.value.byteLength + e.id.length + 16
          res.records.push({
            key: q.key,
            entries: result.entries.map((e) => ({ id: e.id, version: e.version, value: e.value as Uint8Array<ArrayBuffer> })),
            digest: result.digest as Uint8Array<ArrayBuffer>,
            more: result.more
          })
        }
        return res
      }
      case ShardRequest.Type.BUCKETS: {
        const shared: Array<{ key: Uint8Array; digest: Uint8Array }> = []
        for await (const k of store.keys()) if (coOwned(k.key, peer)) shared.push(k)
        res.buckets = bucketDigests(shared) as Array<Uint8Array<ArrayBuffer>>
        return res
      }
      case ShardRequest.Type.KEYS: {
        for await (const k of store.keys({ bucket: req.bucket, after: req.after })) {
          if (!coOwned(k.key, peer)) continue
          if (res.keys.length >= SHARD_MAX_KEYS_PER_FRAME) {
            res.more = true
            break
          }
          res.keys.push({ key: k.key as Uint8Array<ArrayBuffer>, digest: k.digest as Uint8Array<ArrayBuffer> })
        }
        return res
      }
      case ShardRequest.Type.LOCK: {
        // Refused when another owner already holds the guarded entry.
        const guard = await store.query({ key: req.key, prefix: req.guard, limit: 1 }, 1024)
        const held = guard.entries.find((e) => e.id === req.guard)
        if (held !== undefined && held.value.byteLength > 0 && !equalBytes(held.value, req.token)) {
          return response(req.id, ShardResponse.Status.TAKEN, 'already held by another owner')
        }
        if (locks.acquire(req.key, req.token, req.ttlMs) === 'busy') return response(req.id, ShardResponse.Status.BUSY, 'locked by another claimant')
        return res
      }
      case ShardRequest.Type.UNLOCK:
        locks.release(req.key, req.token)
        return res
      default:
        return response(req.id, ShardResponse.Status.BAD_REQUEST, 'unknown request type')
    }
  }
}
