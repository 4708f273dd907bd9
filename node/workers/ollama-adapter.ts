import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError, WorkerStreamError } from './errors.js'
import { ensureOk, lines, postJson, probe, readJson, TextCollector, toBase64, workerError } from './http.js'
import { chooseModel } from './openai-adapter.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

interface OllamaLine {
  error?: unknown
  message?: { content?: unknown }
  done?: unknown
}

/**
 * Ollama's native API (`/api/chat`, `/api/tags`, `/api/version`). Streams
 * NDJSON; errors can arrive as a line `{"error": ...}` with HTTP 200, so every
 * line is checked. Images go as base64 in `messages[].images` (llava-class models).
 */
export class OllamaAdapter implements WorkerAdapter {
  readonly kind = 'ollama' as const
  private firstListed?: Promise<string | undefined>

  constructor(private readonly config: WorkerConfig) {}

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    const { signal, onChunk } = options
    const model = await chooseModel(this.config, request, () => this.defaultModel(signal))
    if (model === undefined) throw new WorkerProtocolError(`worker ${this.config.name} has no model (configure models: or ollama pull one)`)
    const message: Record<string, unknown> = { role: 'user', content: request.prompt }
    if (request.image !== undefined) message.images = [toBase64(request.image)]
    const stream = onChunk !== undefined
    const body: Record<string, unknown> = { model, messages: [message], stream }
    if (this.config.maxTokens !== undefined) body.options = { num_predict: this.config.maxTokens }
    let answered = false
    try {
      const res = await postJson(`${this.config.url}/api/chat`, body, signal)
      await ensureOk(res, this.config.name)
      answered = true
      const collector = new TextCollector(this.config.name, onChunk)
      if (!stream || res.body === null) {
        const json = (await readJson(res, this.config.name)) as OllamaLine
        if (json.error !== undefined) throw new WorkerStreamError(`Worker ${this.config.name} failed: ${String(json.error)}`)
        const text = json.message?.content
        if (typeof text !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} answered without message.content`)
        collector.push(text)
        return { type: 'text', text }
      }
      let done = false
      for await (const line of lines(res.body)) {
        if (line.trim() === '') continue
        let parsed: OllamaLine
        try {
          parsed = JSON.parse(line) as OllamaLine
        } catch {
          throw new WorkerProtocolError(`worker ${this.config.name} sent a line that is not JSON`)
        }
        if (parsed.error !== undefined) throw new WorkerStreamError(`Worker ${this.config.name} failed mid-answer: ${String(parsed.error)}`)
        const piece = parsed.message?.content
        if (typeof piece === 'string') collector.push(piece)
        if (parsed.done === true) {
          done = true
          break
        }
      }
      if (!done) throw new WorkerStreamError(`Worker ${this.config.name} ended its stream before finishing the answer`)
      return { type: 'text', text: collector.text }
    } catch (err) {
      throw workerError(err, this.config, signal, answered)
    }
  }

  /** Ollama needs a model name: ask the server which it has (an unreachable server fails here, clearly). */
  private defaultModel(signal: AbortSignal | undefined): Promise<string | undefined> {
    this.firstListed ??= this.listModels({ signal }).then(
      (models) => models[0],
      (err: Error) => {
        this.firstListed = undefined
        throw err
      }
    )
    return this.firstListed
  }

  async listModels(options: HealthOptions = {}): Promise<string[]> {
    try {
      const res = await fetch(`${this.config.url}/api/tags`, { signal: options.signal })
      const body = (await readJson(res, this.config.name)) as { models?: Array<{ name?: unknown }> }
      if (!Array.isArray(body.models)) throw new WorkerProtocolError(`worker ${this.config.name}: /api/tags has no models list`)
      return body.models.map((m) => m.name).filter((n): n is string => typeof n === 'string')
    } catch (err) {
      throw workerError(err, this.config, options.signal, false)
    }
  }

  checkHealth(options: HealthOptions = {}): Promise<number> {
    return probe(`${this.config.url}/api/version`, options.signal)
  }
}
