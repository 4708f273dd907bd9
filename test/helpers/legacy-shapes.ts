import assert from 'node:assert/strict'

/** A field's expected JSON type, an object shape, or an array of a shape. */
export type Shape = 'string' | 'number' | 'integer' | 'boolean' | { [field: string]: Shape } | ['array', Shape]

const WORKER: Shape = { name: 'string', address: 'string', type: 'string', health_score: 'number', is_blacklisted: 'boolean', last_active: 'string' }
const USER: Shape = {
  guid: 'string',
  nickname: 'string',
  is_sysop: 'boolean',
  total_query_time: 'number',
  total_cost: 'number',
  is_banned: 'boolean',
  query_count: 'integer'
}
const QUERY_ROW: Shape = {
  id: 'string',
  user_guid: 'string',
  query_type: 'string',
  model_type: 'string',
  model_name: 'string',
  prompt: 'string',
  processing_time: 'number',
  cost: 'number',
  timestamp: 'string'
}

/** Every server → client frame of legacy-surface.md §2.3 with its fields. */
export const SERVER_FRAMES: Record<string, Record<string, Shape>> = {
  set_cookie: { name: 'string', value: 'string' },
  user_info: { data: USER },
  previous_queries: { data: ['array', QUERY_ROW] },
  query_result: { result: 'string', result_type: 'string', processing_time: 'number', cost: 'number' },
  queue_update: { depth: 'integer', total: 'integer' },
  worker_update: { workers: ['array', WORKER] },
  worker_health: { data: ['array', WORKER] },
  huggingface_update: { models: ['array', { name: 'string', type: 'string' }] },
  system_stats: { data: { id: 'integer', total_queries: 'integer', total_processing_time: 'number', total_cost: 'number', last_updated: 'string' } },
  user_stats: { data: ['array', USER] },
  active_users: { users: ['array', 'string'] },
  user_banned: { guid: 'string' },
  user_unbanned: { guid: 'string' },
  query_terminated: { guid: 'string' },
  sysop_message: { message: 'string' },
  transcription_result: { text: 'string' },
  speech_result: { audio: 'string' },
  vision_chunk_received: { message: 'string' },
  vision_upload_complete: { message: 'string' },
  error: { message: 'string' }
}

function check(value: unknown, shape: Shape, path: string): void {
  if (Array.isArray(shape)) {
    assert.ok(Array.isArray(value), `${path} must be an array`)
    for (const [i, item] of value.entries()) check(item, shape[1], `${path}[${i}]`)
    return
  }
  if (typeof shape === 'object') {
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${path} must be an object`)
    for (const [field, inner] of Object.entries(shape)) {
      assert.ok(field in (value as object), `${path}.${field} is missing`)
      check((value as Record<string, unknown>)[field], inner, `${path}.${field}`)
    }
    return
  }
  if (shape === 'integer') assert.ok(Number.isInteger(value), `${path} must be an integer, got ${JSON.stringify(value)}`)
  else assert.equal(typeof value, shape, `${path} must be a ${shape}, got ${JSON.stringify(value)}`)
}

/** Assert a frame has the legacy fields of its type; records the type as seen. */
export function assertLegacyFrame(frame: Record<string, unknown>, seen?: Set<string>): void {
  const type = frame.type
  assert.equal(typeof type, 'string', 'frame without a type')
  const shape = SERVER_FRAMES[type as string]
  assert.ok(shape !== undefined, `unexpected frame type ${String(type)}`)
  check(frame, shape, type as string)
  seen?.add(type as string)
}
