// Real HTTP servers speaking the model-server APIs the worker adapters call:
// OpenAI-compatible, Ollama native, AUTOMATIC1111 and OpenAI-style audio.
// Each records its requests and can be switched into failure modes.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { makeWav } from './speech-adapter.js'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
  /** The client went away before the answer was complete. */
  aborted: boolean
}

/**
 * ok: answer normally · status: answer `failStatus` with an error body ·
 * midstream: start streaming, then report an error in the stream ·
 * drop: start streaming, then cut the connection · hang: never answer ·
 * stall: stream the first piece, then never finish.
 */
export type Mode = 'ok' | 'status' | 'midstream' | 'drop' | 'hang' | 'stall'

type Handler = (req: RecordedRequest, res: ServerResponse) => Promise<void> | void

export class TestHttpServer {
  readonly requests: RecordedRequest[] = []
  /** While down, every request is answered by cutting the connection (a dead or hung-up server). */
  down = false
  healthStatus = 200
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private waiters: Array<{ n: number; path: string; resolve: () => void }> = []

  constructor(private readonly handler: Handler) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy())
    })
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    return this
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Requests to a path (query string ignored). */
  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path)
  }

  /** Resolves once `n` requests to `path` have arrived. */
  waitFor(path: string, n = 1): Promise<void> {
    if (this.calls(path).length >= n) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ n, path, resolve }))
  }

  /** Resolves once the client of the request has gone away. */
  async waitAborted(req: RecordedRequest, what = 'the client to go away'): Promise<void> {
    for (let i = 0; i < 400 && !req.aborted; i++) await new Promise((r) => setTimeout(r, 10))
    if (!req.aborted) throw new Error(`timed out waiting for ${what}`)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const url = new URL(req.url ?? '/', 'http://x')
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body: Buffer.concat(chunks), aborted: false }
    this.requests.push(rec)
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true
    })
    for (const w of this.waiters.filter((x) => this.calls(x.path).length >= x.n)) w.resolve()
    this.waiters = this.waiters.filter((x) => this.calls(x.path).length < x.n)
    await this.handler(rec, res)
  }

  json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  /** Reply for health-type routes, honouring `healthStatus`. */
  health(res: ServerResponse, body: unknown): void {
    this.json(res, this.healthStatus, this.healthStatus === 200 ? body : { error: 'unhealthy' })
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.server.close()
    await once(this.server, 'close').catch(() => undefined)
  }
}

/** Wait until the response's client goes away (for `hang` and `stall`). */
function untilClosed(res: ServerResponse): Promise<void> {
  return res.destroyed ? Promise.resolve() : new Promise((resolve) => res.once('close', () => resolve()))
}

export interface ChatServerOptions {
  models?: string[]
  /** Build the answer from the prompt text and the attached image, if any. */
  answer?: (prompt: string, image: Buffer | undefined, model: string) => string
  failStatus?: number
}

const defaultAnswer = (prompt: string, image: Buffer | undefined, model: string): string =>
  image === undefined ? `echo from ${model}: ${prompt}` : `${model} saw a ${image.length}-byte image: ${prompt}`

/** Split an answer into streamed pieces (words with their spaces). */
export function pieces(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text]
}

/** An OpenAI-compatible server: `/v1/models`, `/v1/chat/completions` (JSON or SSE). */
export class FakeOpenAI extends TestHttpServer {
  mode: Mode = 'ok'

  constructor(readonly options: ChatServerOptions = {}) {
    super((req, res) => this.route(req, res))
  }

  private async route(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path === '/v1/models') {
      this.health(res, { object: 'list', data: (this.options.models ?? ['test-model']).map((id) => ({ id, object: 'model', owned_by: 'test' })) })
      return
    }
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') {
      this.json(res, 404, { error: { message: 'not found' } })
      return
    }
    const body = JSON.parse(req.body.toString('utf8')) as {
      model: string
      stream?: boolean
      messages: Array<{ content: string | Array<{ type: string; text?: string; image_url?: { url: string } }> }>
    }
    const content = body.messages[0]?.content
    let prompt = ''
    let image: Buffer | undefined
    if (typeof content === 'string') prompt = content
    else {
      for (const part of content ?? []) {
        if (part.type === 'text') prompt = part.text ?? ''
        if (part.type === 'image_url') image = Buffer.from((part.image_url?.url ?? '').replace(/^data:[^,]*,/, ''), 'base64')
      }
    }
    if (this.mode === 'hang') return untilClosed(res)
    if (this.mode === 'status') {
      this.json(res, this.options.failStatus ?? 500, { error: { message: 'model exploded', type: 'server_error', code: 500 } })
      return
    }
    const text = (this.options.answer ?? defaultAnswer)(prompt, image, body.model)
    if (body.stream !== true) {
      this.json(res, 200, {
        id: 'c1',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }]
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const event = (data: unknown): string => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\r\n\r\n`
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish }]
    })
    res.write(': keep-alive\n\n')
    res.write(event(chunk({ role: 'assistant', content: '' })))
    const parts = pieces(text)
    for (const [i, piece] of parts.entries()) {
      if (i === 1 && this.mode === 'drop') {
        // Cut the connection once this piece is out, mid-answer.
        res.write(event(chunk({ content: piece })), () => res.socket?.destroy())
        return
      }
      res.write(event(chunk({ content: piece })))
      if (i === 0 && this.mode === 'stall') return untilClosed(res)
      if (i === 1 && this.mode === 'midstream') {
        res.end(event({ error: { message: 'out of memory', type: 'server_error' } }))
        return
      }
    }
    res.write(event(chunk({}, 'stop')))
    res.write(event({ object: 'chat.completion.chunk', choices: [], usage: { completion_tokens: parts.length } }))
    res.end(event('[DONE]'))
  }
}

/** Ollama's native API: `/api/version`, `/api/tags`, `/api/chat` (JSON or NDJSON). */
export class FakeOllama extends TestHttpServer {
  mode: Mode = 'ok'

  constructor(readonly options: ChatServerOptions = {}) {
    super((req, res) => this.route(req, res))
  }

  private async route(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path === '/api/version') {
      this.health(res, { version: '0.6.0' })
      return
    }
    if (req.method === 'GET' && req.path === '/api/tags') {
      this.health(res, { models: (this.options.models ?? ['llama3.2:latest']).map((name) => ({ name, model: name, size: 1 })) })
      return
    }
    if (req.method !== 'POST' || req.path !== '/api/chat') {
      this.json(res, 404, { error: 'not found' })
      return
    }
    const body = JSON.parse(req.body.toString('utf8')) as { model: string; stream?: boolean; messages: Array<{ content: string; images?: string[] }> }
    const message = body.messages[0]
    const image = message?.images?.[0] === undefined ? undefined : Buffer.from(message.images[0], 'base64')
    if (this.mode === 'hang') return untilClosed(res)
    if (this.mode === 'status') {
      this.json(res, this.options.failStatus ?? 404, { error: `model '${body.model}' not found` })
      return
    }
    const text = (this.options.answer ?? defaultAnswer)(message?.content ?? '', image, body.model)
    const done = { model: body.model, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 3 }
    if (body.stream === false) {
      this.json(res, 200, { ...done, message: { role: 'assistant', content: text } })
      return
    }
    // Ollama streams by default; errors mid-stream come as a line with HTTP 200.
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for (const [i, piece] of pieces(text).entries()) {
      const line = `${JSON.stringify({ model: body.model, message: { role: 'assistant', content: piece }, done: false })}\n`
      if (i === 1 && this.mode === 'drop') {
        res.write(line, () => res.socket?.destroy())
        return
      }
      res.write(line)
      if (i === 0 && this.mode === 'stall') return untilClosed(res)
      if (i === 1 && this.mode === 'midstream') {
        res.end(`${JSON.stringify({ error: 'an error was encountered while running the model: out of memory' })}\n`)
        return
      }
    }
    res.end(`${JSON.stringify(done)}\n`)
  }
}

/** The smallest valid PNG (1×1 greyscale), as AUTOMATIC1111 would return in `images[0]`. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64')

/** AUTOMATIC1111's API: `/sdapi/v1/progress`, `/sdapi/v1/sd-models`, `/sdapi/v1/txt2img`, `/sdapi/v1/interrogate`. */
export class FakeA1111 extends TestHttpServer {
  mode: Mode = 'ok'
  /** What `images[0]` holds (a PNG by default). */
  image: Buffer | undefined = TINY_PNG

  constructor(readonly options: { auth?: string } = {}) {
    super((req, res) => this.route(req, res))
  }

  private authorised(req: RecordedRequest): boolean {
    if (this.options.auth === undefined) return true
    return req.headers.authorization === `Basic ${Buffer.from(this.options.auth).toString('base64')}`
  }

  private async route(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (!this.authorised(req)) {
      this.json(res, 401, { detail: 'Incorrect credentials' })
      return
    }
    if (req.method === 'GET' && req.path === '/sdapi/v1/progress') {
      this.health(res, { progress: 0, eta_relative: 0, state: {} })
      return
    }
    if (req.method === 'GET' && req.path === '/sdapi/v1/sd-models') {
      this.json(res, 200, [{ title: 'v1-5-pruned-emaonly.safetensors [6ce0161689]', model_name: 'v1-5-pruned-emaonly' }])
      return
    }
    if (req.method === 'GET' && req.path === '/health') {
      this.json(res, 404, { detail: 'Not Found' })
      return
    }
    if (req.method !== 'POST' || (req.path !== '/sdapi/v1/txt2img' && req.path !== '/sdapi/v1/interrogate')) {
      this.json(res, 404, { detail: 'Not Found' })
      return
    }
    if (this.mode === 'hang') return untilClosed(res)
    if (this.mode === 'status') {
      this.json(res, 500, { error: 'RuntimeError', detail: '', body: '', errors: 'CUDA out of memory' })
      return
    }
    const body = JSON.parse(req.body.toString('utf8')) as { prompt?: string; image?: string }
    if (req.path === '/sdapi/v1/interrogate') {
      const bytes = Buffer.from((body.image ?? '').replace(/^data:[^,]*,/, ''), 'base64')
      this.json(res, 200, { caption: `a picture of ${bytes.length} bytes` })
      return
    }
    this.json(res, 200, { images: this.image === undefined ? [] : [this.image.toString('base64')], parameters: body, info: '{"seed": 1}' })
  }
}

/** A tiny WAV (44-byte header + 8 samples), the same bytes on every call. */
export function tinyWav(): Buffer {
  return Buffer.from(makeWav(8))
}

/** OpenAI-style audio: `/v1/models`, `/v1/audio/transcriptions` (multipart), `/v1/audio/speech`. */
export class FakeSpeech extends TestHttpServer {
  mode: Mode = 'ok'
  /** What the transcription says, from the uploaded bytes. */
  transcript: (audio: Buffer, filename: string, model: string) => string = (audio, filename, model) =>
    `heard ${audio.length} bytes of ${filename} with ${model}`
  /** Inputs spoken so far. */
  readonly spoken: Array<{ input: string; voice: string; model: string }> = []

  constructor() {
    super((req, res) => this.route(req, res))
  }

  private async route(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path === '/v1/models') {
      this.health(res, { object: 'list', data: [{ id: 'whisper-1' }, { id: 'tts-1' }] })
      return
    }
    if (req.method !== 'POST' || (req.path !== '/v1/audio/transcriptions' && req.path !== '/v1/audio/speech')) {
      this.json(res, 404, { error: { message: 'not found' } })
      return
    }
    if (this.mode === 'hang') return untilClosed(res)
    if (this.mode === 'status') {
      this.json(res, 500, { error: { message: 'audio backend down' } })
      return
    }
    if (req.path === '/v1/audio/transcriptions') {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body: new Uint8Array(req.body)
      }).formData()
      const file = form.get('file') as File
      const audio = Buffer.from(await file.arrayBuffer())
      this.json(res, 200, { text: ` ${this.transcript(audio, file.name, String(form.get('model')))} ` })
      return
    }
    const body = JSON.parse(req.body.toString('utf8')) as { input: string; voice: string; model: string }
    this.spoken.push(body)
    res.writeHead(200, { 'content-type': 'audio/wav' })
    res.end(tinyWav())
  }
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
