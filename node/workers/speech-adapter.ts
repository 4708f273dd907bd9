import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError } from './errors.js'
import { audioFormat, authHeaders, ensureOk, postJson, probe, readJson, readLimited, workerError } from './http.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

export const DEFAULT_STT_MODEL = 'whisper-1'
export const DEFAULT_TTS_MODEL = 'tts-1'
export const DEFAULT_VOICE = 'alloy'

/**
 * OpenAI-style audio routes: `POST /v1/audio/transcriptions` (multipart, Whisper)
 * and `POST /v1/audio/speech` (text to WAV). LocalAI, vLLM's Whisper, speaches
 * and hosted APIs speak them. As a realm worker, a request with audio is
 * transcribed and one with only text is spoken.
 */
export class SpeechAdapter implements WorkerAdapter {
  readonly kind = 'speech' as const

  constructor(private readonly config: WorkerConfig) {}

  private get headers(): Record<string, string> {
    return authHeaders(this.config)
  }

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    if (request.audio !== undefined) {
      const text = await this.transcribe(request.audio, options)
      options.onChunk?.(text)
      return { type: 'text', text }
    }
    if (request.prompt.trim() === '') throw new WorkerProtocolError('a speech request needs audio or text')
    const audio = await this.synthesize(request.prompt, options)
    return { type: 'audio', ...audio }
  }

  async transcribe(audio: Uint8Array, options: RunOptions = {}): Promise<string> {
    const { mime, ext } = audioFormat(audio)
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(audio)], { type: mime }), `audio.${ext}`)
    form.append('model', this.config.sttModel ?? DEFAULT_STT_MODEL)
    form.append('response_format', 'json')
    try {
      const res = await fetch(`${this.config.url}/v1/audio/transcriptions`, { method: 'POST', body: form, headers: this.headers, signal: options.signal })
      const body = (await readJson(res, this.config.name)) as { text?: unknown }
      if (typeof body.text !== 'string') throw new WorkerProtocolError(`worker ${this.config.name} answered without a transcription text`)
      return body.text.trim()
    } catch (err) {
      throw workerError(err, this.config, options.signal, false)
    }
  }

  async synthesize(text: string, options: RunOptions = {}): Promise<{ data: Uint8Array; mime: string }> {
    const body = {
      model: this.config.ttsModel ?? DEFAULT_TTS_MODEL,
      input: text,
      voice: this.config.voice ?? DEFAULT_VOICE,
      response_format: 'wav'
    }
    try {
      const res = await postJson(`${this.config.url}/v1/audio/speech`, body, options.signal, this.headers)
      await ensureOk(res, this.config.name)
      const data = await readLimited(res)
      if (data.byteLength === 0) throw new WorkerProtocolError(`worker ${this.config.name} returned no audio`)
      const declared = res.headers.get('content-type')?.split(';')[0]?.trim()
      return { data, mime: declared?.startsWith('audio/') ? declared : audioFormat(data).mime }
    } catch (err) {
      throw workerError(err, this.config, options.signal, false)
    }
  }

  checkHealth(options: HealthOptions = {}): Promise<number> {
    return probe(`${this.config.url}/v1/models`, options.signal, this.headers)
  }
}
