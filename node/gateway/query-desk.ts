import { setMaxListeners } from 'node:events'
import { toString as bytesToString, fromString } from 'uint8arrays'
import { isQueryType, type LegacyQuery, legacyCost, MAX_ATTACHMENT_BYTES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import { QueryAbortedError, type QueryRunner, type QueryRunOptions, type ServedBy } from '../realms/index.js'
import type { UserStore } from '../users/index.js'
import type { WorkerRequest, WorkerResult } from '../workers/index.js'
import type { QueryObserver } from './metrics.js'
import type { SpeechService } from './speech.js'

export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError'
}

export interface DeskResult {
  result: string
  result_type: 'text' | 'image' | 'audio'
  processing_time: number
  cost: number
  servedBy: ServedBy
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Decode a base64 attachment (a `data:` URL prefix is accepted), bounded in size. */
export function decodeAttachment(value: string, what: string): Uint8Array {
  const comma = value.startsWith('data:') ? value.indexOf(',') : -1
  const b64 = (comma >= 0 ? value.slice(comma + 1) : value).replace(/\s+/g, '')
  if (!BASE64.test(b64)) throw new InvalidQueryError(`Invalid ${what}: not base64`)
  if ((b64.length * 3) / 4 > MAX_ATTACHMENT_BYTES) throw new InvalidQueryError(`Invalid ${what}: larger than ${MAX_ATTACHMENT_BYTES} bytes`)
  return fromString(b64, 'base64pad')
}

/** Turn a legacy query into a worker request, validating what the worker will need. */
export function toWorkerRequest(query: LegacyQuery): WorkerRequest {
  if (!isQueryType(query.query_type)) throw new InvalidQueryError(`Unknown query type: ${query.query_type}`)
  const request: WorkerRequest = {
    queryType: query.query_type,
    prompt: query.prompt,
    modelType: query.model_type,
    modelName: query.model_name
  }
  if (query.image !== undefined) request.image = decodeAttachment(query.image, 'image')
  if (query.audio !== undefined) request.audio = decodeAttachment(query.audio, 'audio')
  if (request.queryType === 'vision' && request.image === undefined) throw new InvalidQueryError('A vision query needs an image')
  if (request.queryType === 'speech' && request.audio === undefined && request.prompt.trim() === '') {
    throw new InvalidQueryError('A speech query needs audio or a prompt')
  }
  if (request.queryType !== 'speech' && request.prompt.trim() === '') throw new InvalidQueryError('Prompt must not be empty')
  return request
}

export interface QueryDeskComponents {
  runner: QueryRunner
  users: UserStore
  config: NodeConfig
  speech: SpeechService
  observer?: QueryObserver
  /** A query record that failed to be written after its answer went out. */
  onRecordError?: (err: Error, guid: string) => void
}

/**
 * Query records being written after their answers went out. Beyond this many,
 * answers wait for their record again: the store sets the pace and memory stays bounded.
 */
export const MAX_BACKGROUND_RECORDS = 1_000

/** A speech task run directly (legacy `/api/whisper`, `/api/bark`, `/ws` speech messages). */
export interface SpeechTaskOptions {
  signal?: AbortSignal
  /** Record it in the user's history and totals (REST does; the legacy `/ws` messages do not). */
  record?: boolean
}

/**
 * The entry node owns a user's query: it runs it (locally or through the
 * federation), computes the legacy cost and records history and totals.
 * Every running query is registered under its user so a sysop can terminate them.
 */
export class QueryDesk {
  private readonly running = new Map<string, Set<AbortController>>()
  private readonly background = new Set<Promise<void>>()

  constructor(private readonly components: QueryDeskComponents) {}

  /**
   * Run a legacy query. Speech queries follow the original pipeline: audio is
   * transcribed and answered as chat; `model_type: "speech"` speaks a text
   * answer (or leaves it as text when no text-to-speech worker exists, so the
   * browser can read it out). Rejects with QueryAbortedError when cancelled.
   */
  async run(guid: string, query: LegacyQuery, options: QueryRunOptions = {}): Promise<DeskResult> {
    let request = toWorkerRequest(query)
    return this.tracked(guid, options.signal, async (signal) => {
      const enqueuedAt = performance.now()
      try {
        if (request.queryType === 'speech') {
          const prompt = request.audio === undefined ? request.prompt : await this.components.speech.transcribe(request.audio, { signal })
          if (prompt.trim() === '') throw new InvalidQueryError('No speech was recognised in the audio')
          request = { queryType: 'chat', prompt, modelType: request.modelType, modelName: request.modelName }
        }
        const outcome = await this.components.runner.run(request, { ...options, signal })
        let result: WorkerResult = outcome.result
        if (query.model_type === 'speech' && result.type === 'text' && this.components.speech.can('synthesize')) {
          const audio = await this.components.speech.synthesize(result.text, { signal })
          result = { type: 'audio', data: audio.data, mime: audio.mime }
        }
        // Legacy: processing time counts from enqueue, so it includes the wait.
        const processingTime = (performance.now() - enqueuedAt) / 1000
        this.components.observer?.succeeded(request.queryType, outcome.servedBy, processingTime)
        const cost = await this.record(guid, request.queryType, query.model_type, query.model_name, request.prompt, processingTime)
        return {
          result: result.type === 'text' ? result.text : bytesToString(result.data, 'base64pad'),
          result_type: result.type,
          processing_time: processingTime,
          cost,
          servedBy: outcome.servedBy
        }
      } catch (err) {
        if (!signal.aborted) this.components.observer?.failed(request.queryType, err as Error)
        throw err
      }
    })
  }

  /** Speech to text on a speech worker. */
  async transcribe(guid: string, audio: Uint8Array, options: SpeechTaskOptions = {}): Promise<string> {
    return this.tracked(guid, options.signal, async (signal) => {
      const started = performance.now()
      const text = await this.components.speech.transcribe(audio, { signal })
      if (options.record === true) await this.record(guid, 'speech', 'whisper', 'speech-to-text', '(audio)', (performance.now() - started) / 1000)
      return text
    })
  }

  /** Text to speech on a speech worker. */
  async synthesize(guid: string, text: string, options: SpeechTaskOptions = {}): Promise<{ data: Uint8Array; mime: string }> {
    if (text.trim() === '') throw new InvalidQueryError('Text must not be empty')
    return this.tracked(guid, options.signal, async (signal) => {
      const started = performance.now()
      const audio = await this.components.speech.synthesize(text, { signal })
      if (options.record === true) await this.record(guid, 'speech', 'bark', 'text-to-speech', text, (performance.now() - started) / 1000)
      return audio
    })
  }

  /** Cancel every running or queued query of a user (sysop terminate, ban). Returns how many. */
  terminate(guid: string): number {
    const set = this.running.get(guid)
    if (set === undefined) return 0
    for (const controller of set) controller.abort()
    this.running.delete(guid)
    return set.size
  }

  /** Cancel every query on this desk (node stopping). */
  cancelAll(): void {
    for (const guid of [...this.running.keys()]) this.terminate(guid)
  }

  /**
   * Record a finished query in the user's history and totals; returns its cost.
   * The answer does not wait for the write (on shards it is a quorum write to
   * other peers) unless MAX_BACKGROUND_RECORDS are already being written. The
   * store makes later reads of that user wait for it (PendingRecords).
   */
  private async record(guid: string, queryType: string, modelType: string, modelName: string, prompt: string, processingTime: number): Promise<number> {
    const { baseCostPerQuery, costPerSecond } = this.components.config.costs
    const cost = legacyCost(processingTime, baseCostPerQuery, costPerSecond)
    const write = this.components.users.recordQuery(guid, { queryType, modelType, modelName, prompt, processingTime, cost })
    if (this.background.size >= MAX_BACKGROUND_RECORDS) {
      await write
      return cost
    }
    const settled = write.then(
      () => undefined,
      (err: Error) => this.components.onRecordError?.(err, guid)
    )
    this.background.add(settled)
    void settled.finally(() => this.background.delete(settled))
    return cost
  }

  /** Records being written after their answers went out. */
  get pendingRecords(): number {
    return this.background.size
  }

  /** Wait for the records still being written (the node is stopping: its stores close next). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background])
  }

  private async tracked<T>(guid: string, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    setMaxListeners(100, controller.signal)
    if (outer?.aborted) throw new QueryAbortedError('Query cancelled')
    const onAbort = (): void => controller.abort()
    outer?.addEventListener('abort', onAbort, { once: true })
    let set = this.running.get(guid)
    if (set === undefined) {
      set = new Set()
      this.running.set(guid, set)
    }
    set.add(controller)
    try {
      return await fn(controller.signal)
    } catch (err) {
      if (controller.signal.aborted) throw new QueryAbortedError('Query cancelled')
      throw err
    } finally {
      outer?.removeEventListener('abort', onAbort)
      const current = this.running.get(guid)
      current?.delete(controller)
      if (current?.size === 0) this.running.delete(guid)
    }
  }
}
