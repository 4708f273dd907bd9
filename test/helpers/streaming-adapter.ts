import type { RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from '../../node/workers/index.js'

/**
 * An in-process chat worker that streams its answer word by word (as the
 * in-process llama.cpp worker does), yielding to the event loop between words.
 */
export class StreamingTestAdapter implements WorkerAdapter {
  readonly kind = 'llama-cpp' as const
  readonly requests: WorkerRequest[] = []

  constructor(private readonly answer: (request: WorkerRequest) => string) {}

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    this.requests.push(request)
    const words = this.answer(request).split(/(?<= )/)
    for (const word of words) {
      await new Promise((resolve) => setImmediate(resolve))
      options.signal?.throwIfAborted()
      options.onChunk?.(word)
    }
    return { type: 'text', text: words.join('') }
  }

  async checkHealth(): Promise<number> {
    return 200
  }
}
