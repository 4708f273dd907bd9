import type { WorkerConfig } from '../../node/index.js'
import { createWorkerAdapter, type RunOptions, type WorkerAdapter, type WorkerRequest, type WorkerResult } from '../../node/workers/index.js'

/** A valid mono 16-bit PCM WAV file of `samples` samples at 16 kHz (a short sine tone). */
export function makeWav(samples = 1600): Uint8Array {
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVE', 8)
  header.write('fmt ', 12)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(16_000, 24)
  header.writeUInt32LE(32_000, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return new Uint8Array(Buffer.concat([header, data]))
}

/**
 * An in-process speech worker (the edge of the system under test): it
 * "transcribes" by decoding the audio bytes as UTF-8 text, and synthesizes a
 * real WAV whose length grows with the text. Records every call.
 */
export class TestSpeechAdapter implements WorkerAdapter {
  readonly kind = 'speech' as const
  readonly transcribed: Uint8Array[] = []
  readonly synthesized: string[] = []

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    if (request.audio !== undefined) return { type: 'text', text: await this.transcribe(request.audio, options) }
    const audio = await this.synthesize(request.prompt, options)
    return { type: 'audio', ...audio }
  }

  async transcribe(audio: Uint8Array, options: RunOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    this.transcribed.push(audio)
    return new TextDecoder().decode(audio)
  }

  async synthesize(text: string, options: RunOptions = {}): Promise<{ data: Uint8Array; mime: string }> {
    options.signal?.throwIfAborted()
    this.synthesized.push(text)
    return { data: makeWav(160 * Math.max(1, text.length)), mime: 'audio/wav' }
  }

  async checkHealth(): Promise<number> {
    return 200
  }
}

/** Adapter factory for test nodes: the given in-process speech adapter for `speech` workers, the real ones otherwise. */
export function withSpeechAdapter(speech: TestSpeechAdapter): (config: WorkerConfig) => WorkerAdapter {
  return (config) => (config.kind === 'speech' ? speech : createWorkerAdapter(config))
}

export function speechWorker(name = 'speech-1'): WorkerConfig {
  return { name, kind: 'speech', type: 'speech', url: '', models: [], capacity: 2 }
}
