/** A failure the CLI reports as one line. */
export class CliError extends Error {
  override name = 'CliError'
}

export const DEFAULT_API = 'http://127.0.0.1:5000'

/** Options shared by commands that talk to a running node. */
export interface ApiOptions {
  api: string
  json?: boolean
}

/** Call a running node's HTTP API; a node that does not answer is a clear CliError. */
export async function callApi<T>(options: ApiOptions, path: string, init: RequestInit = {}): Promise<T> {
  const url = new URL(path, options.api)
  let res: Response
  try {
    res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(10_000) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
    throw new CliError(`no rentahal-node answers at ${options.api} (${cause}); start one with \`rentahal-node start\` or pass --api <url>`)
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    throw new CliError(`${url}: answered ${res.status} with a body that is not JSON`)
  }
  if (!res.ok) {
    const message = (body as { message?: string; error?: string } | undefined)?.message ?? (body as { error?: string } | undefined)?.error ?? text
    throw new CliError(`${url}: ${res.status} ${message}`)
  }
  return body as T
}

/** Print rows as an aligned table (or JSON with --json). */
export function printTable(rows: Array<Record<string, string | number>>, columns: string[]): void {
  if (rows.length === 0) {
    console.log('(none)')
    return
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()
  console.log(line(columns.map((c) => c.toUpperCase())))
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))))
}
