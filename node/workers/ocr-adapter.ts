import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { logger } from '@libp2p/logger'
import type { Worker as TesseractWorker } from 'tesseract.js'
import type { WorkerConfig } from '../config/index.js'
import { WorkerProtocolError, WorkerUnavailableError } from './errors.js'
import type { RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

const log = logger('rentahal:workers:ocr')

/** Name of the in-process OCR worker that `rentahal-node start` adds by default. */
export const BUILTIN_OCR_WORKER = 'ocr'

/** The built-in OCR vision worker's config. */
export function builtinOcrWorker(): WorkerConfig {
  return { name: BUILTIN_OCR_WORKER, kind: 'ocr', type: 'vision', url: '', models: ['tesseract-eng'], capacity: 1 }
}

/** Directory of the English model shipped in `@tesseract.js-data/eng` (the small integer "best" model). */
function languageDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json')
  return join(dirname(pkg), '4.0.0_best_int')
}

/** Label in front of every answer: this reads text, it does not describe pictures. */
export const OCR_LABEL = 'Text found in the image (OCR, English):'
export const OCR_NOTHING = 'No text found in the image (OCR, English). This worker reads text only; it does not describe pictures.'

/**
 * Vision by optical character recognition, inside the node: tesseract.js
 * (WebAssembly) with the English data shipped on npm, so it needs no network.
 * The engine starts on the first query, not with the node.
 */
export class OcrAdapter implements WorkerAdapter {
  readonly kind = 'ocr' as const
  private engine?: Promise<TesseractWorker>
  /** One recognition at a time per engine; queries beyond capacity wait in the realm. */
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private readonly config: WorkerConfig) {}

  private start(): Promise<TesseractWorker> {
    this.engine ??= (async () => {
      const started = performance.now()
      let tesseract: typeof import('tesseract.js')
      try {
        tesseract = await import('tesseract.js')
      } catch (err) {
        throw new WorkerUnavailableError(`tesseract.js is not installed: ${(err as Error).message.split('\n')[0]}`)
      }
      const worker = await tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
        langPath: languageDir(),
        gzip: true,
        cacheMethod: 'none',
        errorHandler: (err: unknown) => log.error('tesseract: %s', String(err))
      })
      log('tesseract ready in %d ms', Math.round(performance.now() - started))
      return worker
    })().catch((err: Error) => {
      this.engine = undefined
      throw err instanceof WorkerUnavailableError ? err : new WorkerUnavailableError(`OCR engine failed to start: ${err.message}`)
    })
    return this.engine
  }

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    if (request.image === undefined) throw new WorkerProtocolError('OCR needs an image')
    const image = Buffer.from(request.image)
    const { signal } = options
    const job = this.chain.then(async () => {
      signal?.throwIfAborted()
      const engine = await this.start()
      signal?.throwIfAborted()
      // tesseract.js cannot stop a recognition midway; a cancelled query simply drops its result.
      const { data } = await engine.recognize(image)
      return data.text
    })
    this.chain = job.catch(() => undefined)
    const text = await abortable(job, signal)
    const clean = text.replace(/[ \t]+\n/g, '\n').trim()
    const answer = clean === '' ? OCR_NOTHING : `${OCR_LABEL}\n${clean}`
    options.onChunk?.(answer)
    return { type: 'text', text: answer }
  }

  async checkHealth(): Promise<number> {
    try {
      createRequire(import.meta.url).resolve('tesseract.js')
      languageDir()
      return 200
    } catch {
      return 503
    }
  }

  async listModels(): Promise<string[]> {
    return this.config.models.length > 0 ? this.config.models : ['tesseract-eng']
  }

  async close(): Promise<void> {
    const engine = this.engine
    this.engine = undefined
    const worker = await engine?.catch(() => undefined)
    await worker?.terminate()
  }
}

/** Reject as soon as the signal aborts (the work itself may go on and is ignored). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      }
    )
  })
}
