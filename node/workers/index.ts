import type { WorkerConfig } from '../config/index.js'
import { A1111Adapter } from './a1111-adapter.js'
import { LegacyWorkerAdapter } from './legacy-adapter.js'
import { LlamaCppAdapter } from './llama-cpp-adapter.js'
import { OcrAdapter } from './ocr-adapter.js'
import { OllamaAdapter } from './ollama-adapter.js'
import { OpenAIAdapter } from './openai-adapter.js'
import { SpeechAdapter } from './speech-adapter.js'
import type { WorkerAdapter } from './types.js'

export { A1111Adapter } from './a1111-adapter.js'
export * from './autodetect.js'
export * from './errors.js'
export { audioFormat, imageMime } from './http.js'
export { LEGACY_TXT2IMG_PARAMS, LegacyWorkerAdapter } from './legacy-adapter.js'
export { DEFAULT_LLAMA_MAX_TOKENS, LlamaCppAdapter, llamaModuleInstalled, NODE_LLAMA_CPP_VERSION } from './llama-cpp-adapter.js'
export { BUILTIN_OCR_WORKER, builtinOcrWorker, OCR_LABEL, OCR_NOTHING, OcrAdapter } from './ocr-adapter.js'
export { OllamaAdapter } from './ollama-adapter.js'
export { OpenAIAdapter } from './openai-adapter.js'
export * from './registry.js'
export { DEFAULT_STT_MODEL, DEFAULT_TTS_MODEL, DEFAULT_VOICE, SpeechAdapter } from './speech-adapter.js'
export * from './store.js'
export type * from './types.js'

/** Build the adapter for a worker's kind. In-process kinds load their packages on first use. */
export function createWorkerAdapter(config: WorkerConfig): WorkerAdapter {
  switch (config.kind) {
    case 'legacy':
      return new LegacyWorkerAdapter(config)
    case 'openai':
      return new OpenAIAdapter(config)
    case 'ollama':
      return new OllamaAdapter(config)
    case 'a1111':
      return new A1111Adapter(config)
    case 'speech':
      return new SpeechAdapter(config)
    case 'llama-cpp':
      return new LlamaCppAdapter(config)
    case 'ocr':
      return new OcrAdapter(config)
  }
}
