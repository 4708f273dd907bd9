import type { WorkerConfig } from '../../node/config/index.js'
import type { RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from '../../node/workers/index.js'

export type Script = (request: WorkerRequest, options: RunOptions, worker: WorkerConfig) => Promise<WorkerResult>

/**
 * An in-process worker whose behaviour the test scripts: the edge of what
 * routing tests exercise (the HTTP adapters have their own tests).
 */
export class ScriptedAdapter implements WorkerAdapter {
  readonly kind = 'legacy' as const
  calls = 0
  constructor(
    private readonly config: WorkerConfig,
    private readonly script: Script
  ) {}

  run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    this.calls++
    return this.script(request, options, this.config)
  }

  async checkHealth(): Promise<number> {
    return 200
  }
}

/** Answer `echo: <prompt>` in `chunks` streamed pieces. */
export function echoScript(chunks = 1): Script {
  return async (request, options) => {
    const text = `echo: ${request.prompt}`
    const size = Math.ceil(text.length / chunks)
    for (let i = 0; i < text.length; i += size) {
      options.onChunk?.(text.slice(i, i + size))
      await new Promise((r) => setImmediate(r))
    }
    return { type: 'text', text }
  }
}

/** Resolve after `ms`, or reject when the signal aborts (an abortable slow worker). */
export function waitOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(t)
      reject(signal.reason)
    })
  })
}
