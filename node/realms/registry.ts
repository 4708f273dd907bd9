import type { QueryType } from '../../protocol/index.js'
import type { RealmConfig } from '../config/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { UnknownQueryTypeError } from './errors.js'
import { Realm } from './realm.js'

/** The realms of this node, one per primary query type. */
export class RealmRegistry {
  private readonly realms = new Map<string, Realm>()

  constructor(
    configs: RealmConfig[],
    private readonly workers: WorkerRegistry,
    queryTimeoutMs?: number
  ) {
    for (const config of configs) this.realms.set(config.name, new Realm(config, workers, queryTimeoutMs))
  }

  list(): Realm[] {
    return [...this.realms.values()]
  }

  get(name: string): Realm | undefined {
    return this.realms.get(name)
  }

  /** The realm whose primary type is `type`. */
  forType(type: QueryType): Realm {
    for (const realm of this.realms.values()) if (realm.queryType === type) return realm
    throw new UnknownQueryTypeError(`No realm serves ${type}`)
  }

  /** Legacy `queue_update.depth`: queued + running over all realms. */
  get depth(): number {
    return this.list().reduce((sum, r) => sum + r.depth, 0)
  }

  /** Legacy `queue_update.total`: registered workers (real ones only). */
  get totalWorkers(): number {
    return this.workers.list().length
  }

  close(): void {
    for (const realm of this.realms.values()) realm.close()
  }
}
