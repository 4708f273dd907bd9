// Translation between the OpenAI API shapes and the node's legacy queries.
import type { QueryType } from '../../protocol/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { HttpError } from './http-errors.js'
import { decodeAttachment } from './query-desk.js'

/** A model some worker serves, as `/v1/models` lists it. */
export interface ModelEntry {
  id: string
  queryType: QueryType
  /** `local` or the peer id of the node whose worker serves it. */
  owner: string
}

/** Models this node's own workers serve: their configured models, else the worker's name. Speech is not a model here. */
export function localModels(workers: WorkerRegistry): ModelEntry[] {
  const out: ModelEntry[] = []
  for (const w of workers.list()) {
    if (w.type === 'speech') continue
    const ids = w.config.models.length > 0 ? w.config.models : [w.name]
    for (const id of ids) out.push({ id, queryType: w.type, owner: 'local' })
  }
  return out
}

export interface ChatMessage {
  role: string
  content: unknown
}

export interface ChatQuery {
  prompt: string
  /** The last image in the conversation (vision), decoded. */
  image?: Uint8Array
}

const ROLE_LABEL: Record<string, string> = { system: 'System', developer: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool' }

function partsText(content: unknown, where: string, images: Uint8Array[]): string {
  if (typeof content === 'string') return content
  if (content === null || content === undefined) return ''
  if (!Array.isArray(content)) throw new HttpError(400, `${where}.content must be a string or an array of parts`, 'InvalidQueryError')
  const texts: string[] = []
  content.forEach((part: unknown, i) => {
    const p = part as { type?: unknown; text?: unknown; image_url?: unknown }
    if (p?.type === 'text' && typeof p.text === 'string') {
      texts.push(p.text)
    } else if (p?.type === 'image_url') {
      const raw = p.image_url as { url?: unknown } | string | undefined
      const url = typeof raw === 'string' ? raw : raw?.url
      if (typeof url !== 'string' || !url.startsWith('data:')) {
        throw new HttpError(400, `${where}.content[${i}]: images must be data: URLs (this node does not fetch URLs)`, 'InvalidQueryError')
      }
      images.push(decodeAttachment(url, 'image'))
    } else {
      throw new HttpError(400, `${where}.content[${i}]: only text and image_url parts are supported`, 'InvalidQueryError')
    }
  })
  return texts.join('\n')
}

/**
 * Flatten a chat conversation into the single prompt a worker takes: a lone
 * user message as it is, a longer conversation as a labelled transcript.
 * Image parts (data: URLs) make it a vision query.
 */
export function messagesToQuery(messages: ChatMessage[]): ChatQuery {
  const images: Uint8Array[] = []
  const turns = messages.map((m, i) => {
    const label = ROLE_LABEL[m.role]
    if (label === undefined) throw new HttpError(400, `messages[${i}].role must be one of ${Object.keys(ROLE_LABEL).join(', ')}`, 'InvalidQueryError')
    return { role: m.role, label, text: partsText(m.content, `messages[${i}]`, images) }
  })
  const only = turns.length === 1 ? turns[0] : undefined
  const prompt = only?.role === 'user' ? only.text : `${turns.map((t) => `${t.label}: ${t.text}`).join('\n\n')}\n\nAssistant:`
  if (turns.every((t) => t.text.trim() === '')) throw new HttpError(400, 'messages hold no text', 'InvalidQueryError')
  return { prompt, image: images.at(-1) }
}
