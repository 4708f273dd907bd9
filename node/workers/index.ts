import type { WorkerConfig } from '../config/index.js'
import { LegacyWorkerAdapter } from './legacy-adapter.js'
import type { WorkerAdapter } from './types.js'

export * from './errors.js'
export { LEGACY_TXT2IMG_PARAMS, LegacyWorkerAdapter } from './legacy-adapter.js'
export * from './registry.js'
export type * from './types.js'

/** Build the adapter for a worker's kind. */
export function createWorkerAdapter(config: WorkerConfig): WorkerAdapter {
  switch (config.kind) {
    case 'legacy':
      return new LegacyWorkerAdapter(config)
    default:
      throw new Error(`worker kind ${config.kind} is not available in this build`)
  }
}
