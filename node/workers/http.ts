import { WorkerHttpError, WorkerProtocolError } from './errors.js'

/** Largest worker response body we buffer (images included). */
export const MAX_WORKER_RESPONSE_BYTES = 32 * 1024 * 1024

/** Read a response body with a byte limit, so a runaway worker cannot exhaust memory. */
export async function readLimited(res: Response, limit = MAX_WORKER_RESPONSE_BYTES): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > limit) throw new WorkerProtocolError(`response of ${declared} bytes exceeds ${limit}`)
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

export async function readJson(res: Response, worker: string): Promise<unknown> {
  const bytes = await readLimited(res)
  const text = new TextDecoder().decode(bytes)
  if (!res.ok) throw new WorkerHttpError(res.status, text, worker)
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
