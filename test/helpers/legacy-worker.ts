import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PredictCall {
  body: Record<string, unknown>
  startedAt: number
  aborted: boolean
}

export interface LegacyWorkerOptions {
  /** ms before answering /predict */
  delayMs?: number
  /** Build the answer text from the request. */
  answer?: (body: Record<string, unknown>) => string
  /** Status for /predict (200 by default). */
  status?: number
  healthStatus?: number
}

/**
 * A real HTTP server speaking the legacy RENT-A-HAL worker contract
 * (`POST /predict` → `{response}`, `GET /health`). Records every call, how
 * many run at once, and whether the caller went away before the answer.
 */
export class LegacyTestWorker {
  readonly calls: PredictCall[] = []
  inFlight = 0
  maxInFlight = 0
  healthChecks = 0
  private server: Server
  private sockets = new Set<import('node:net').Socket>()
  /** Resolvers waiting for a number of calls to have started. */
  private waiters: Array<{ n: number; resolve: () => void }> = []

  constructor(public options: LegacyWorkerOptions = {}) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy())
    })
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1')
    await once(this.server, 'listening')
    return this
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Resolves once `n` /predict calls have started. */
  waitForCalls(n: number): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ n, resolve }))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/health') {
      this.healthChecks++
      res.writeHead(this.options.healthStatus ?? 200, { 'content-type': 'application/json' })
      res.end('{"status":"healthy"}')
      return
    }
    if (req.method !== 'POST' || !req.url?.startsWith('/predict')) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
    const call: PredictCall = { body, startedAt: Date.now(), aborted: false }
    this.calls.push(call)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    for (const w of this.waiters.filter((x) => this.calls.length >= x.n)) w.resolve()
    this.waiters = this.waiters.filter((x) => this.calls.length < x.n)
    res.on('close', () => {
      if (!res.writableFinished) call.aborted = true
    })
    try {
      if (this.options.delayMs !== undefined) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.options.delayMs)
          res.on('close', () => {
            clearTimeout(t)
            resolve()
          })
        })
      }
      if (res.destroyed) return
      const status = this.options.status ?? 200
      res.writeHead(status, { 'content-type': 'application/json' })
      const text = this.options.answer?.(body) ?? `echo: ${String(body.prompt)}`
      res.end(JSON.stringify(status === 200 ? { response: text } : { detail: 'worker failure' }))
    } finally {
      this.inFlight--
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.server.close()
    await once(this.server, 'close').catch(() => undefined)
  }
}
