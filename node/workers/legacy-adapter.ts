import { toString as bytesToString, fromString } from 'uint8arrays'
import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError } from './errors.js'
import { postJson, probe, readJson } from './http.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

/** Parameters the legacy broker sent to AUTOMATIC1111 for imagine queries. */
export const LEGACY_TXT2IMG_PARAMS = {
  negative_prompt: '',
  steps: 50,
  sampler_name: 'Euler a',
  cfg_scale: 7,
  width: 512,
  height: 512,
  seed: -1
} as const

/**
 * The original RENT-A-HAL worker contract: `POST /predict` with
 * `{prompt, type, model_type, model_name, image?}` answering `{response}`,
 * and `GET /health`. Imagine workers are AUTOMATIC1111 (`/sdapi/v1/txt2img`),
 * as the legacy broker assumed.
 */
export class LegacyWorkerAdapter implements WorkerAdapter {
  readonly kind = 'legacy' as const
  constructor(private readonly config: WorkerConfig) {}

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    if (request.queryType === 'imagine') {
      const res = await postJson(`${this.config.url}/sdapi/v1/txt2img`, { prompt: request.prompt, ...LEGACY_TXT2IMG_PARAMS }, options.signal)
      const body = (await readJson(res, this.config.name)) as { images?: unknown }
      const first = Array.isArray(body.images) ? body.images[0] : undefined
      if (typeof first !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} returned no image`)
      return { type: 'image', data: fromString(first, 'base64'), mime: 'image/png' }
    }
    const payload: Record<string, unknown> = {
      prompt: request.prompt,
      type: request.queryType,
      model_type: request.modelType,
      model_name: request.modelName
    }
    if (request.image !== undefined) payload.image = bytesToString(request.image, 'base64pad')
    const res = await postJson(`${this.config.url}/predict`, payload, options.signal)
    const body = (await readJson(res, this.config.name)) as { response?: unknown }
    if (typeof body?.response !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} answered without a "response" string`)
    options.onChunk?.(body.response)
    return { type: 'text', text: body.response }
  }

  async checkHealth(options: HealthOptions = {}): Promise<number> {
    // AUTOMATIC1111 has no /health; its progress route answers when the API is up.
    const path = this.config.type === 'imagine' ? '/sdapi/v1/progress' : '/health'
    return probe(`${this.config.url}${path}`, options.signal)
  }
}
