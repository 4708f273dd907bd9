import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError, WorkerStreamError } from './errors.js'
import { authHeaders, ensureOk, errorText, imageMime, postJson, probe, readJson, sseData, TextCollector, toBase64, workerError } from './http.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

/** Pick the model to ask for: the query's when the worker serves it, else the worker's first, else what the server lists first. */
export async function chooseModel(config: WorkerConfig, request: WorkerRequest, listed: () => Promise<string | undefined>): Promise<string | undefined> {
  if (request.modelName !== '' && config.models.includes(request.modelName)) return request.modelName
  if (config.models[0] !== undefined) return config.models[0]
  return listed()
}

interface ChatChunk {
  error?: unknown
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: unknown }>
}

/**
 * OpenAI-compatible chat (`/v1/chat/completions`, `/v1/models`): vLLM,
 * llama.cpp's server, LM Studio, LocalAI, Ollama's `/v1`, hosted APIs.
 * Streams over SSE when the caller wants chunks; images go as data-URL parts.
 */
export class OpenAIAdapter implements WorkerAdapter {
  readonly kind = 'openai' as const
  private firstListed?: Promise<string | undefined>

  constructor(private readonly config: WorkerConfig) {}

  private get headers(): Record<string, string> {
    return authHeaders(this.config)
  }

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    const { signal, onChunk } = options
    const model = await chooseModel(this.config, request, () => this.defaultModel(signal))
    const content =
      request.image === undefined
        ? request.prompt
        : [
            { type: 'text', text: request.prompt },
            { type: 'image_url', image_url: { url: `data:${imageMime(request.image)};base64,${toBase64(request.image)}` } }
          ]
    const stream = onChunk !== undefined
    const body: Record<string, unknown> = { model: model ?? 'default', messages: [{ role: 'user', content }], stream }
    if (this.config.maxTokens !== undefined) body.max_tokens = this.config.maxTokens
    let answered = false
    try {
      const res = await postJson(`${this.config.url}/v1/chat/completions`, body, signal, this.headers)
      await ensureOk(res, this.config.name)
      answered = true
      const collector = new TextCollector(this.config.name, onChunk)
      const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      if (!stream || !isSse || res.body === null) {
        // Some servers ignore `stream`; a plain JSON answer is fine either way.
        const json = (await readJson(res, this.config.name)) as ChatChunk
        const text = json.choices?.[0]?.message?.content
        if (typeof text !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} answered without choices[0].message.content`)
        collector.push(text)
        return { type: 'text', text }
      }
      let finished = false
      for await (const data of sseData(res.body)) {
        if (data === '[DONE]') {
          finished = true
          break
        }
        let chunk: ChatChunk
        try {
          chunk = JSON.parse(data) as ChatChunk
        } catch {
          throw new WorkerProtocolError(`worker ${this.config.name} sent an event that is not JSON`)
        }
        if (chunk.error !== undefined) {
          throw new WorkerStreamError(`Worker ${this.config.name} failed mid-answer: ${errorText(JSON.stringify({ error: chunk.error }))}`)
        }
        const choice = chunk.choices?.[0]
        const piece = choice?.delta?.content
        if (typeof piece === 'string') collector.push(piece)
        if (typeof choice?.finish_reason === 'string') finished = true
      }
      if (!finished) throw new WorkerStreamError(`Worker ${this.config.name} ended its stream before finishing the answer`)
      return { type: 'text', text: collector.text }
    } catch (err) {
      throw workerError(err, this.config, signal, answered)
    }
  }

  private defaultModel(signal: AbortSignal | undefined): Promise<string | undefined> {
    this.firstListed ??= this.listModels({ signal }).then(
      (models) => models[0],
      () => {
        this.firstListed = undefined
        return undefined
      }
    )
    return this.firstListed
  }

  async listModels(options: HealthOptions = {}): Promise<string[]> {
    try {
      const res = await fetch(`${this.config.url}/v1/models`, { headers: this.headers, signal: options.signal })
      const body = (await readJson(res, this.config.name)) as { data?: Array<{ id?: unknown }> }
      if (!Array.isArray(body.data)) throw new WorkerProtocolError(`worker ${this.config.name}: /v1/models has no data list`)
      return body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string')
    } catch (err) {
      throw workerError(err, this.config, options.signal, false)
    }
  }

  checkHealth(options: HealthOptions = {}): Promise<number> {
    // /v1/models answers on every OpenAI-compatible server (llama.cpp's /health is 503 while loading).
    return probe(`${this.config.url}/v1/models`, options.signal, this.headers)
  }
}
