import { toString as bytesToString, fromString } from 'uint8arrays'
import { isQueryType, type LegacyQuery, legacyCost, MAX_ATTACHMENT_BYTES } from '../../protocol/index.js'
import type { NodeConfig } from '../config/index.js'
import type { QueryRunner, QueryRunOptions, ServedBy } from '../realms/index.js'
import type { UserStore } from '../users/index.js'
import type { WorkerRequest } from '../workers/index.js'

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
  return fromString(b64, 'base64')
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
  if (request.queryType === 'speech' && request.audio === undefined && request.prompt === '') {
    throw new InvalidQueryError('A speech query needs audio or a prompt')
  }
  if (request.queryType !== 'speech' && request.prompt.trim() === '') throw new InvalidQueryError('Prompt must not be empty')
  return request
}

/**
 * The entry node owns a user's query: it runs it (locally or through the
 * federation), computes the legacy cost and records history and totals.
 */
export class QueryDesk {
  constructor(private readonly components: { runner: QueryRunner; users: UserStore; config: NodeConfig }) {}

  async run(guid: string, query: LegacyQuery, options: QueryRunOptions = {}): Promise<DeskResult> {
    const request = toWorkerRequest(query)
    const enqueuedAt = performance.now()
    const outcome = await this.components.runner.run(request, options)
    // Legacy: processing time counts from enqueue, so it includes the wait.
    const processingTime = (performance.now() - enqueuedAt) / 1000
    const { baseCostPerQuery, costPerSecond } = this.components.config.costs
    const cost = legacyCost(processingTime, baseCostPerQuery, costPerSecond)
    await this.components.users.recordQuery(guid, {
      queryType: request.queryType,
      modelType: query.model_type,
      modelName: query.model_name,
      prompt: query.prompt,
      processingTime,
      cost
    })
    const r = outcome.result
    return {
      result: r.type === 'text' ? r.text : bytesToString(r.data, 'base64'),
      result_type: r.type,
      processing_time: processingTime,
      cost,
      servedBy: outcome.servedBy
    }
  }
}
