// HTTP calls to the node. An endpoint this node does not have (404) is
// reported as NotAvailable so views can say so instead of failing.

export class NotAvailableError extends Error {
  override name = 'NotAvailableError'
}

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
  }
}

export const REQUEST_TIMEOUT_MS = 10_000

/** Call the node's HTTP API; JSON in, JSON out. */
export async function api<T>(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  let res: Response
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    })
  } catch (err) {
    throw new ApiError(`The node did not answer (${(err as Error).message})`, 0)
  }
  if (res.status === 404) throw new NotAvailableError(`${path} is not available on this node`)
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = text
  }
  if (!res.ok) {
    const b = body as { message?: unknown; error?: unknown; detail?: unknown } | undefined
    const detail = typeof b === 'object' && b !== null ? (b.message ?? b.error ?? b.detail) : b
    throw new ApiError(typeof detail === 'string' && detail !== '' ? detail : `HTTP ${res.status}`, res.status)
  }
  return body as T
}
