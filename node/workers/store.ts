import { logger } from '@libp2p/logger'
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { isQueryType } from '../../protocol/index.js'
import { WORKER_KINDS, type WorkerConfig } from '../config/index.js'

const log = logger('rentahal:workers:store')

/** Where workers added at run time are kept across restarts. */
export interface WorkerStore {
  list(): Promise<WorkerConfig[]>
  put(config: WorkerConfig): Promise<void>
  delete(name: string): Promise<void>
}

type Sub = AbstractSublevel<Level<string, unknown>, string | Buffer | Uint8Array, string, unknown>

/** A stored record that still looks like a worker config (older or damaged entries are skipped). */
function isWorkerConfig(v: unknown): v is WorkerConfig {
  const c = v as Partial<WorkerConfig> | null
  return (
    c !== null &&
    typeof c === 'object' &&
    typeof c.name === 'string' &&
    c.name !== '' &&
    (WORKER_KINDS as readonly unknown[]).includes(c.kind) &&
    isQueryType(c.type) &&
    typeof c.url === 'string' &&
    Array.isArray(c.models) &&
    c.models.every((m) => typeof m === 'string') &&
    Number.isInteger(c.capacity) &&
    (c.capacity as number) >= 1
  )
}

/** Workers in the node's LevelDB, sublevel `workers`, keyed by name. */
export class LevelWorkerStore implements WorkerStore {
  private readonly sub: Sub

  constructor(db: Level<string, unknown>) {
    this.sub = db.sublevel<string, unknown>('workers', { valueEncoding: 'json' })
  }

  async list(): Promise<WorkerConfig[]> {
    const out: WorkerConfig[] = []
    for await (const [key, value] of this.sub.iterator()) {
      if (isWorkerConfig(value)) out.push(value)
      else log.error('skipping a stored worker that is not valid: %s', key)
    }
    return out
  }

  async put(config: WorkerConfig): Promise<void> {
    await this.sub.put(config.name, config)
  }

  async delete(name: string): Promise<void> {
    await this.sub.del(name)
  }
}
