import type { QueryType } from '../../protocol/index.js'
import type { WorkerKind } from '../config/index.js'

/** What a worker is asked to do; images and audio travel as raw bytes. */
export interface WorkerRequest {
  queryType: QueryType
  prompt: string
  modelType: string
  modelName: string
  image?: Uint8Array
  audio?: Uint8Array
}

export type WorkerResult =
  | { type: 'text'; text: string }
  | { type: 'image'; data: Uint8Array; mime: string }
  | { type: 'audio'; data: Uint8Array; mime: string }

export interface RunOptions {
  signal?: AbortSignal
  /** Called with each piece of streamed text, in order. */
  onChunk?: (text: string) => void
}

export interface HealthOptions {
  signal?: AbortSignal
}

/** One kind of worker API. Adapters are stateless apart from their endpoint. */
export interface WorkerAdapter {
  readonly kind: WorkerKind
  run(request: WorkerRequest, options?: RunOptions): Promise<WorkerResult>
  /**
   * Probe the worker. Resolves with the HTTP status it answered (200 = healthy),
   * rejects when it could not be reached at all (legacy scoring tells the two apart).
   */
  checkHealth(options?: HealthOptions): Promise<number>
  /** Speech workers: audio (any container the worker accepts) to text. */
  transcribe?(audio: Uint8Array, options?: RunOptions): Promise<string>
  /** Speech workers: text to audio. */
  synthesize?(text: string, options?: RunOptions): Promise<{ data: Uint8Array; mime: string }>
  /** Models the worker serves, when its API can tell. */
  listModels?(options?: HealthOptions): Promise<string[]>
  /** In-process workers: load the model now rather than on the first query. */
  warmUp?(): Promise<void>
  close?(): Promise<void>
}
