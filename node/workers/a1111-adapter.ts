import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError } from './errors.js'
import { authHeaders, fromBase64, imageMime, postJson, probe, readJson, toBase64, workerError } from './http.js'
import { LEGACY_TXT2IMG_PARAMS } from './legacy-adapter.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

/**
 * AUTOMATIC1111 / Forge web UI API (started with `--api`). Imagine:
 * `POST /sdapi/v1/txt2img` with the legacy broker's parameters, answering PNG
 * bytes. Vision: `POST /sdapi/v1/interrogate` (a CLIP caption). There is no
 * `/health`; `/sdapi/v1/progress` answers whenever the API is up.
 * `api_key` is `user:pass` for `--api-auth`.
 */
export class A1111Adapter implements WorkerAdapter {
  readonly kind = 'a1111' as const

  constructor(private readonly config: WorkerConfig) {}

  private get headers(): Record<string, string> {
    return authHeaders(this.config, true)
  }

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    const { signal } = options
    try {
      if (request.queryType === 'vision') {
        if (request.image === undefined) throw new WorkerProtocolError('a vision query needs an image')
        const image = `data:${imageMime(request.image)};base64,${toBase64(request.image)}`
        const res = await postJson(`${this.config.url}/sdapi/v1/interrogate`, { image, model: 'clip' }, signal, this.headers)
        const body = (await readJson(res, this.config.name)) as { caption?: unknown }
        if (typeof body.caption !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} answered without a caption`)
        options.onChunk?.(body.caption)
        return { type: 'text', text: body.caption }
      }
      const payload: Record<string, unknown> = { prompt: request.prompt, ...LEGACY_TXT2IMG_PARAMS }
      if (request.modelName !== '' && this.config.models.includes(request.modelName)) {
        payload.override_settings = { sd_model_checkpoint: request.modelName }
      }
      const res = await postJson(`${this.config.url}/sdapi/v1/txt2img`, payload, signal, this.headers)
      const body = (await readJson(res, this.config.name)) as { images?: unknown }
      const first = Array.isArray(body.images) ? body.images[0] : undefined
      if (typeof first !== 'string' || first === '') throw new WorkerProtocolError(`worker ${this.config.name} returned no image`)
      const data = fromBase64(first)
      if (imageMime(data) !== 'image/png') throw new WorkerProtocolError(`worker ${this.config.name} returned an image that is not a PNG`)
      return { type: 'image', data, mime: 'image/png' }
    } catch (err) {
      throw workerError(err, this.config, signal, false)
    }
  }

  async listModels(options: HealthOptions = {}): Promise<string[]> {
    try {
      const res = await fetch(`${this.config.url}/sdapi/v1/sd-models`, { headers: this.headers, signal: options.signal })
      const body = (await readJson(res, this.config.name)) as Array<{ model_name?: unknown; title?: unknown }>
      if (!Array.isArray(body)) throw new WorkerProtocolError(`worker ${this.config.name}: /sdapi/v1/sd-models is not a list`)
      return body.map((m) => m.title ?? m.model_name).filter((n): n is string => typeof n === 'string')
    } catch (err) {
      throw workerError(err, this.config, options.signal, false)
    }
  }

  checkHealth(options: HealthOptions = {}): Promise<number> {
    return probe(`${this.config.url}/sdapi/v1/progress?skip_current_image=true`, options.signal, this.headers)
  }
}
