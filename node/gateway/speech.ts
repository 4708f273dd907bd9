import { type RunOptions, type WorkerHandle, type WorkerRegistry, WorkerTimeoutError } from '../workers/index.js'

/** No registered worker can do the speech task. */
export class NoSpeechWorkerError extends Error {
  override name = 'NoSpeechWorkerError'
}

export interface SpeechServiceInit {
  /** Longest one transcription or synthesis may take (the workers' query timeout). */
  timeoutMs?: number
}

type SpeechMethod = 'transcribe' | 'synthesize'

const WHAT: Record<SpeechMethod, string> = { transcribe: 'speech-to-text', synthesize: 'text-to-speech' }

/**
 * Speech-to-text and text-to-speech on this node's workers whose adapters
 * implement `transcribe` / `synthesize` (the original ran Whisper and BARK
 * inside the broker). Prefers speech workers, then the healthiest with room.
 */
export class SpeechService {
  private readonly timeoutMs: number

  constructor(
    private readonly components: { workers: WorkerRegistry },
    init: SpeechServiceInit = {}
  ) {
    this.timeoutMs = init.timeoutMs ?? 30_000
  }

  can(method: SpeechMethod): boolean {
    return this.candidates(method).length > 0
  }

  async transcribe(audio: Uint8Array, options: RunOptions = {}): Promise<string> {
    return this.call('transcribe', (w, o) => (w.adapter.transcribe as NonNullable<typeof w.adapter.transcribe>).call(w.adapter, audio, o), options)
  }

  async synthesize(text: string, options: RunOptions = {}): Promise<{ data: Uint8Array; mime: string }> {
    return this.call('synthesize', (w, o) => (w.adapter.synthesize as NonNullable<typeof w.adapter.synthesize>).call(w.adapter, text, o), options)
  }

  private candidates(method: SpeechMethod): WorkerHandle[] {
    return this.components.workers.list().filter((w) => !w.blacklisted && typeof w.adapter[method] === 'function')
  }

  private async call<T>(method: SpeechMethod, fn: (w: WorkerHandle, o: RunOptions) => Promise<T>, options: RunOptions): Promise<T> {
    const all = this.candidates(method)
    if (all.length === 0) throw new NoSpeechWorkerError(`No ${WHAT[method]} worker available`)
    const rank = (w: WorkerHandle): number => (w.type === 'speech' ? 1000 : 0) + (w.hasRoom ? 500 : 0) + w.healthScore
    const worker = all.reduce((best, w) => (rank(w) > rank(best) ? w : best))
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
    const started = performance.now()
    worker.inFlight++
    try {
      const out = await fn(worker, { signal, onChunk: options.onChunk })
      worker.recordService(performance.now() - started, true)
      return out
    } catch (err) {
      worker.recordService(performance.now() - started, false)
      if (timeout.aborted && !options.signal?.aborted)
        throw new WorkerTimeoutError(`Worker ${worker.name} did not finish ${WHAT[method]} within ${this.timeoutMs / 1000}s`)
      throw err
    } finally {
      worker.inFlight--
    }
  }
}
