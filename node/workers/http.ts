import type { WorkerConfig } from '../config/index.js'
import { WorkerHttpError, WorkerProtocolError, WorkerStreamError, WorkerTimeoutError, WorkerUnreachableError } from './errors.js'

/** Largest worker response body we buffer (images included). */
export const MAX_WORKER_RESPONSE_BYTES = 32 * 1024 * 1024
/** Longest single SSE event or NDJSON line we accept from a streaming worker. */
export const MAX_STREAM_LINE_BYTES = 1024 * 1024
/** Longest streamed answer we accumulate, in characters. */
export const MAX_STREAMED_TEXT_CHARS = 4 * 1024 * 1024

/** Read a response body with a byte limit, so a runaway worker cannot exhaust memory. */
export async function readLimited(res: Response, limit = MAX_WORKER_RESPONSE_BYTES): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > limit) {
    await res.body?.cancel()
    throw new WorkerProtocolError(`response of ${declared} bytes exceeds ${limit}`)
  }
  if (res.body === null) return new Uint8Array(0)
  const parts: Uint8Array[] = []
  let total = 0
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel()
      throw new WorkerProtocolError(`response exceeds ${limit} bytes`)
    }
    parts.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

/**
 * The message inside a worker's error body: OpenAI `{error:{message}}`, Ollama
 * `{error}`, FastAPI `{detail}`, AUTOMATIC1111 `{error:<type>, errors:<text>}`;
 * otherwise the text itself.
 */
export function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown; errors?: unknown; message?: unknown }
    const e = body.error
    const extra = [body.detail, body.errors].find((x): x is string => typeof x === 'string' && x !== '')
    if (typeof e === 'string') return extra === undefined ? e : `${e}: ${extra}`
    if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message
    if (extra !== undefined) return extra
    if (typeof body.message === 'string') return body.message
  } catch {
    // not JSON: the text itself
  }
  return text
}

/** Throw a WorkerHttpError for a non-2xx response (with the worker's own message). */
export async function ensureOk(res: Response, worker: string): Promise<void> {
  if (res.ok) return
  const text = new TextDecoder().decode(await readLimited(res, 64 * 1024).catch(() => new Uint8Array(0)))
  throw new WorkerHttpError(res.status, errorText(text), worker)
}

export async function readJson(res: Response, worker: string): Promise<unknown> {
  await ensureOk(res, worker)
  const text = new TextDecoder().decode(await readLimited(res))
  try {
    return JSON.parse(text)
  } catch {
    throw new WorkerProtocolError(`worker ${worker} answered with invalid JSON`)
  }
}

export async function postJson(url: string, body: unknown, signal: AbortSignal | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal
  })
}

/** GET a route and return its status; the body is drained and discarded. */
export async function probe(url: string, signal: AbortSignal | undefined, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { signal, headers })
  await res.body?.cancel()
  return res.status
}

/** Authorization header for a worker's api_key: Bearer, or Basic when `basic` and the key is `user:pass`. */
export function authHeaders(config: WorkerConfig, basic = false): Record<string, string> {
  if (config.apiKey === undefined || config.apiKey === '') return {}
  if (basic) return { authorization: `Basic ${Buffer.from(config.apiKey).toString('base64')}` }
  return { authorization: `Bearer ${config.apiKey}` }
}

const OUR_ERRORS = new Set(['WorkerHttpError', 'WorkerProtocolError', 'WorkerStreamError', 'WorkerTimeoutError', 'WorkerUnreachableError'])

/**
 * Turn whatever a fetch or a body read threw into one clear error:
 * the caller's abort reason, a timeout, unreachable (before any answer) or a broken stream (after).
 */
export function workerError(err: unknown, config: WorkerConfig, signal: AbortSignal | undefined, answered: boolean): Error {
  if (signal?.aborted) {
    const reason = signal.reason as Error | undefined
    if (reason?.name === 'TimeoutError') return new WorkerTimeoutError(`Worker ${config.name} did not answer in time`)
    return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError')
  }
  const e = err as Error & { cause?: { code?: string; message?: string } }
  if (OUR_ERRORS.has(e?.name)) return e
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)
  if (answered) return new WorkerStreamError(`Worker ${config.name} stopped mid-answer (${detail})`)
  return new WorkerUnreachableError(`Worker ${config.name} at ${config.url} is unreachable (${detail})`)
}

/** Split a byte stream into text lines (LF or CRLF), each bounded in size. */
export async function* lines(body: ReadableStream<Uint8Array>, maxLine = MAX_STREAM_LINE_BYTES): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      let nl = buffer.indexOf('\n')
      while (nl >= 0) {
        yield buffer.slice(0, nl).replace(/\r$/, '')
        buffer = buffer.slice(nl + 1)
        nl = buffer.indexOf('\n')
      }
      if (buffer.length > maxLine) throw new WorkerProtocolError(`stream line longer than ${maxLine} bytes`)
      if (done) break
    }
    if (buffer !== '') yield buffer.replace(/\r$/, '')
  } finally {
    reader.releaseLock()
    await body.cancel().catch(() => undefined)
  }
}

/**
 * Server-sent events: yields the data of each event (several `data:` lines joined by `\n`).
 * Comment lines (`: ping`) and other fields are skipped.
 */
export async function* sseData(body: ReadableStream<Uint8Array>, maxEvent = MAX_STREAM_LINE_BYTES): AsyncGenerator<string> {
  let data: string[] = []
  let size = 0
  for await (const line of lines(body, maxEvent)) {
    if (line === '') {
      if (data.length > 0) yield data.join('\n')
      data = []
      size = 0
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    if (field !== 'data') continue
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    size += value.length
    if (size > maxEvent) throw new WorkerProtocolError(`stream event longer than ${maxEvent} bytes`)
    data.push(value)
  }
  if (data.length > 0) yield data.join('\n')
}

/** Collects streamed text with a size bound. */
export class TextCollector {
  private parts: string[] = []
  private size = 0
  constructor(
    private readonly worker: string,
    private readonly onChunk?: (text: string) => void
  ) {}

  push(text: string): void {
    if (text === '') return
    this.size += text.length
    if (this.size > MAX_STREAMED_TEXT_CHARS) throw new WorkerProtocolError(`worker ${this.worker} streamed more than ${MAX_STREAMED_TEXT_CHARS} characters`)
    this.parts.push(text)
    this.onChunk?.(text)
  }

  get text(): string {
    return this.parts.join('')
  }
}

/** MIME type of an image from its first bytes (JPEG when unknown, as the legacy client sends). */
export function imageMime(bytes: Uint8Array): string {
  const b = bytes
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png'
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif'
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50)
    return 'image/webp'
  if (b[0] === 0x42 && b[1] === 0x4d) return 'image/bmp'
  return 'image/jpeg'
}

/** MIME type and file extension of audio from its first bytes (WebM, as the legacy client records, when unknown). */
export function audioFormat(bytes: Uint8Array): { mime: string; ext: string } {
  const b = bytes
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to))
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return { mime: 'audio/wav', ext: 'wav' }
  if (ascii(0, 4) === 'OggS') return { mime: 'audio/ogg', ext: 'ogg' }
  if (ascii(0, 4) === 'fLaC') return { mime: 'audio/flac', ext: 'flac' }
  if (ascii(0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return { mime: 'audio/mpeg', ext: 'mp3' }
  if (ascii(4, 8) === 'ftyp') return { mime: 'audio/mp4', ext: 'm4a' }
  return { mime: 'audio/webm', ext: 'webm' }
}

/** Standard padded base64 (uint8arrays' `base64` drops the padding, which strict decoders such as Python's refuse). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Decode base64 (padded or not, a `data:` prefix allowed). */
export function fromBase64(text: string): Uint8Array {
  const buf = Buffer.from(text.replace(/^data:[^,]*,/, ''), 'base64')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
