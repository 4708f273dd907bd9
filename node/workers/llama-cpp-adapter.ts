import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { logger } from '@libp2p/logger'
import type { Llama, LlamaContext, LlamaModel } from 'node-llama-cpp'
import type { WorkerConfig } from '../config/index.js'
import { WorkerTimeoutError, WorkerUnavailableError } from './errors.js'
import { TextCollector } from './http.js'
import type { HealthOptions, RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from './types.js'

const log = logger('rentahal:workers:llama-cpp')

/** The exact node-llama-cpp release this build is tested with (an optional dependency). */
export const NODE_LLAMA_CPP_VERSION = '3.21.1'
export const DEFAULT_LLAMA_MAX_TOKENS = 256
/** Upper bound of the context per model; tiny models use their trained size when smaller. */
const MAX_CONTEXT = 4096

type LlamaModule = typeof import('node-llama-cpp')

let modulePromise: Promise<LlamaModule> | undefined

/** Import node-llama-cpp on first use, so a node without it starts and runs everything else. */
export function loadLlamaModule(): Promise<LlamaModule> {
  modulePromise ??= import('node-llama-cpp').catch((err: Error) => {
    modulePromise = undefined
    throw new WorkerUnavailableError(
      `node-llama-cpp is not installed (${err.message.split('\n')[0]}); install it with: npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`
    )
  })
  return modulePromise
}

/** True when node-llama-cpp can be resolved, without loading it. */
export function llamaModuleInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('node-llama-cpp')
    return true
  } catch {
    return false
  }
}

/** One llama.cpp runtime per process and GPU mode, shared by every in-process model. */
const runtimes = new Map<string, { llama: Promise<Llama>; users: number }>()

async function acquireRuntime(gpu: boolean): Promise<Llama> {
  const key = gpu ? 'auto' : 'cpu'
  let entry = runtimes.get(key)
  if (entry === undefined) {
    const llama = loadLlamaModule().then((mod) =>
      // Never build or download anything at run time: use the prebuilt binaries that came with the package.
      mod.getLlama({ gpu: gpu ? 'auto' : false, build: 'never', progressLogs: false, logLevel: mod.LlamaLogLevel.error })
    )
    entry = { llama, users: 0 }
    runtimes.set(key, entry)
    llama.catch(() => runtimes.delete(key))
  }
  entry.users++
  return entry.llama
}

async function releaseRuntime(gpu: boolean): Promise<void> {
  const key = gpu ? 'auto' : 'cpu'
  const entry = runtimes.get(key)
  if (entry === undefined) return
  entry.users--
  if (entry.users > 0) return
  runtimes.delete(key)
  const llama = await entry.llama.catch(() => undefined)
  await llama?.dispose()
}

interface Loaded {
  mod: LlamaModule
  model: LlamaModel
  context: LlamaContext
  /** The model has a chat template: answer as a chat; otherwise continue the prompt as plain completion. */
  chat: boolean
}

/**
 * A GGUF model run inside the node through node-llama-cpp (prebuilt llama.cpp,
 * CPU by default). The model loads on first use (or `warmUp()`); each query
 * gets its own context sequence, freed when the query ends or is cancelled, so
 * an aborted generation never blocks the next one.
 */
export class LlamaCppAdapter implements WorkerAdapter {
  readonly kind = 'llama-cpp' as const
  private loading?: Promise<Loaded>
  private holdsRuntime = false
  private lastError?: Error

  constructor(private readonly config: WorkerConfig) {}

  get modelPath(): string {
    if (this.config.modelPath === undefined) throw new WorkerUnavailableError(`worker ${this.config.name} has no model_path`)
    return this.config.modelPath
  }

  /** Load the model now (the CLI calls this after start so the first query is fast). */
  async warmUp(): Promise<void> {
    await this.load()
  }

  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      const modelPath = this.modelPath
      try {
        await access(modelPath, constants.R_OK)
      } catch (err) {
        throw new WorkerUnavailableError(`model file ${modelPath} is not readable (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
      }
      const mod = await loadLlamaModule()
      const gpu = this.config.gpu === true
      const llama = await acquireRuntime(gpu)
      this.holdsRuntime = true
      const started = performance.now()
      let model: LlamaModel
      try {
        model = await llama.loadModel({ modelPath })
      } catch (err) {
        throw new WorkerUnavailableError(`cannot load ${modelPath}: ${(err as Error).message}`)
      }
      const context = await model.createContext({
        sequences: this.config.capacity,
        threads: this.config.threads ?? 1,
        contextSize: { max: MAX_CONTEXT }
      })
      const metadata = model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }
      const chat = typeof metadata.tokenizer?.chat_template === 'string'
      log('loaded %s in %d ms (context %d, %s mode)', modelPath, Math.round(performance.now() - started), context.contextSize, chat ? 'chat' : 'completion')
      this.lastError = undefined
      return { mod, model, context, chat }
    })().catch(async (err: Error) => {
      this.loading = undefined
      this.lastError = err
      if (this.holdsRuntime) {
        this.holdsRuntime = false
        await releaseRuntime(this.config.gpu === true)
      }
      throw err instanceof WorkerUnavailableError ? err : new WorkerUnavailableError(err.message)
    })
    return this.loading
  }

  async run(request: WorkerRequest, options: RunOptions = {}): Promise<WorkerResult> {
    const { signal } = options
    const abortError = (): Error => {
      const reason = signal?.reason as Error | undefined
      if (reason?.name === 'TimeoutError') return new WorkerTimeoutError(`Worker ${this.config.name} did not answer in time`)
      return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError')
    }
    if (signal?.aborted) throw abortError()
    const { mod, context, chat } = await this.load()
    if (signal?.aborted) throw abortError()
    const sequence = context.getSequence()
    const collector = new TextCollector(this.config.name, options.onChunk)
    const generation = {
      maxTokens: this.config.maxTokens ?? DEFAULT_LLAMA_MAX_TOKENS,
      signal,
      onTextChunk: (text: string) => collector.push(text)
    }
    try {
      if (chat) {
        const session = new mod.LlamaChatSession({ contextSequence: sequence })
        try {
          await session.prompt(request.prompt, generation)
        } finally {
          session.dispose({ disposeSequence: false })
        }
      } else {
        const completion = new mod.LlamaCompletion({ contextSequence: sequence })
        await completion.generateCompletion(request.prompt, generation)
      }
    } catch (err) {
      if (signal?.aborted) throw abortError()
      throw err
    } finally {
      // Frees the sequence's cells in the context whatever happened, so the next query gets a clean one.
      sequence.dispose()
    }
    return { type: 'text', text: collector.text }
  }

  async checkHealth(): Promise<number> {
    if (!llamaModuleInstalled()) return 503
    try {
      await access(this.modelPath, constants.R_OK)
    } catch {
      return 404
    }
    // A model that failed to load is unhealthy until a load succeeds (the next query retries).
    return this.lastError === undefined ? 200 : 500
  }

  async listModels(_options?: HealthOptions): Promise<string[]> {
    return this.config.models.length > 0 ? this.config.models : [this.modelPath.replace(/^.*[\\/]/, '')]
  }

  async close(): Promise<void> {
    const loading = this.loading
    this.loading = undefined
    const loaded = await loading?.catch(() => undefined)
    if (loaded !== undefined) {
      await loaded.context.dispose()
      await loaded.model.dispose()
    }
    if (this.holdsRuntime) {
      this.holdsRuntime = false
      await releaseRuntime(this.config.gpu === true)
    }
  }
}
