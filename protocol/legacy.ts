// The legacy RENT-A-HAL `/ws` contract: JSON text frames with a `type`.
// Field names and shapes follow the original broker (see legacy-surface.md §2)
// so the original browser client works unchanged. Unknown extra fields such
// as the v2 client's `messageId` are ignored.
import { MAX_NICKNAME_CHARS, MAX_PROMPT_CHARS } from './limits.js'

/** Legacy error texts, kept verbatim because clients display them. */
export const LEGACY_ERRORS = {
  queueFull: 'Queue is full, please try again later',
  unknownType: 'Unknown message type',
  banned: 'You are banned from using this service.',
  nicknameTaken: 'Nickname already taken',
  badAdminToken: 'Invalid admin token',
  noWorkers: '503: No available worker nodes'
} as const

export interface LegacyQuery {
  prompt: string
  query_type: string
  model_type: string
  model_name: string
  /** base64 image (vision) */
  image?: string
  /** base64 audio (speech) */
  audio?: string
}

export type ClientMessage =
  | { type: 'submit_query'; query: LegacyQuery; stream: boolean }
  | { type: 'get_previous_queries' }
  | { type: 'set_nickname'; nickname: string }
  | { type: 'pong' }
  | { type: 'ping' }
  | {
      type: 'vision_chunk'
      chunk_id: number
      total_chunks: number
      chunk_data: string
      image_id: string
      prompt: string
      model_type: string
      model_name: string
    }
  | { type: 'speech_to_text'; audio: string }
  | { type: 'text_to_speech'; text: string }
  | { type: 'get_stats' }
  | { type: 'add_worker'; worker: { name: string; address: string; type: string } }
  | { type: 'remove_worker'; worker_name: string }
  | { type: 'add_huggingface_model'; model: { name: string; type: string } }
  | { type: 'remove_huggingface_model'; model_name: string }
  | { type: 'ban_user'; user_guid: string }
  | { type: 'unban_user'; user_guid: string }
  | { type: 'terminate_query'; user_guid: string }
  | { type: 'sysop_message'; message: string }
  | { type: 'sysop_login'; token: string }

export type ClientMessageType = ClientMessage['type']

/** Message types only a sysop may send. */
export const SYSOP_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'get_stats',
  'add_worker',
  'remove_worker',
  'add_huggingface_model',
  'remove_huggingface_model',
  'ban_user',
  'unban_user',
  'terminate_query',
  'sysop_message'
])

/** A client frame that cannot be accepted; `message` is what the client is told. */
export class InvalidClientMessageError extends Error {
  override name = 'InvalidClientMessageError'
}

type Json = Record<string, unknown>

function str(obj: Json, key: string, where: string, max = MAX_PROMPT_CHARS): string {
  const value = obj[key]
  if (typeof value !== 'string') throw new InvalidClientMessageError(`Invalid ${where}: ${key} must be a string`)
  if (value.length > max) throw new InvalidClientMessageError(`Invalid ${where}: ${key} is longer than ${max} characters`)
  return value
}

function optStr(obj: Json, key: string, where: string, max: number): string | undefined {
  if (obj[key] === undefined || obj[key] === null || obj[key] === '') return undefined
  return str(obj, key, where, max)
}

function int(obj: Json, key: string, where: string): number {
  const value = obj[key]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidClientMessageError(`Invalid ${where}: ${key} must be a non-negative integer`)
  }
  return value
}

function obj(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidClientMessageError(`Invalid ${where}: expected an object`)
  }
  return value as Json
}

/**
 * Parse and validate one client frame. Throws InvalidClientMessageError with
 * the text to send back in an `error` frame. Returns `undefined` for a
 * well-formed frame of an unknown type (answered with "Unknown message type").
 */
export function parseClientMessage(text: string, attachmentMaxChars: number): ClientMessage | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new InvalidClientMessageError('Invalid JSON')
  }
  const msg = obj(raw, 'message')
  const type = msg.type
  if (typeof type !== 'string') throw new InvalidClientMessageError('Invalid message: type must be a string')
  switch (type) {
    case 'submit_query': {
      const q = obj(msg.query, 'submit_query: query')
      const where = 'submit_query'
      return {
        type,
        stream: msg.stream === true,
        query: {
          prompt: str(q, 'prompt', where),
          query_type: str(q, 'query_type', where, 32),
          model_type: str(q, 'model_type', where, 64),
          model_name: str(q, 'model_name', where, 256),
          image: optStr(q, 'image', where, attachmentMaxChars),
          audio: optStr(q, 'audio', where, attachmentMaxChars)
        }
      }
    }
    case 'get_previous_queries':
    case 'pong':
    case 'ping':
    case 'get_stats':
      return { type }
    case 'set_nickname':
      return { type, nickname: str(msg, 'nickname', type, MAX_NICKNAME_CHARS) }
    case 'vision_chunk':
      return {
        type,
        chunk_id: int(msg, 'chunk_id', type),
        total_chunks: int(msg, 'total_chunks', type),
        chunk_data: str(msg, 'chunk_data', type, attachmentMaxChars),
        image_id: String(msg.image_id ?? '').slice(0, 64),
        prompt: str(msg, 'prompt', type),
        model_type: str(msg, 'model_type', type, 64),
        model_name: str(msg, 'model_name', type, 256)
      }
    case 'speech_to_text':
      return { type, audio: str(msg, 'audio', type, attachmentMaxChars) }
    case 'text_to_speech':
      return { type, text: str(msg, 'text', type) }
    case 'add_worker': {
      const w = obj(msg.worker, 'add_worker: worker')
      return {
        type,
        worker: { name: str(w, 'name', type, 128), address: str(w, 'address', type, 512), type: str(w, 'type', type, 32) }
      }
    }
    case 'remove_worker':
      return { type, worker_name: str(msg, 'worker_name', type, 128) }
    case 'add_huggingface_model': {
      const m = obj(msg.model, 'add_huggingface_model: model')
      return { type, model: { name: str(m, 'name', type, 256), type: str(m, 'type', type, 32) } }
    }
    case 'remove_huggingface_model':
      return { type, model_name: str(msg, 'model_name', type, 256) }
    case 'ban_user':
    case 'unban_user':
    case 'terminate_query':
      return { type, user_guid: str(msg, 'user_guid', type, 64) }
    case 'sysop_message':
      return { type, message: str(msg, 'message', type, 10_000) }
    case 'sysop_login':
      return { type, token: str(msg, 'token', type, 256) }
    default:
      return undefined
  }
}

/** Legacy cost formula: base + seconds × rate (seconds include queue wait). */
export function legacyCost(processingTimeSeconds: number, baseCost = 0.01, costPerSecond = 0.001): number {
  return baseCost + processingTimeSeconds * costPerSecond
}

/** Worker object as the legacy client renders it (`worker_update`, `worker_health`). */
export interface LegacyWorker {
  name: string
  address: string
  type: string
  health_score: number
  is_blacklisted: boolean
  last_active: string
}

export interface LegacyUserInfo {
  guid: string
  nickname: string
  is_sysop: boolean
  total_query_time: number
  total_cost: number
  is_banned: boolean
  query_count: number
}

export interface LegacyQueryRecord {
  id: string
  user_guid: string
  query_type: string
  model_type: string
  model_name: string
  prompt: string
  processing_time: number
  cost: number
  timestamp: string
}
