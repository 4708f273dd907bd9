import { EventEmitter } from 'node:events'
import type { QueryType } from '../../protocol/index.js'
import type { RealmConfig } from '../config/index.js'
import type { WorkerRegistry } from '../workers/index.js'
import { RealmBusyError, RealmExistsError, UnknownQueryTypeError, UnknownRealmError } from './errors.js'
import { Realm } from './realm.js'

export interface RealmChange {
  kind: 'create' | 'update' | 'delete'
  realm: string
}

export interface RealmRegistryEvents {
  /** A realm was created, reconfigured or deleted at run time (the advertiser re-announces). */
  change: [change: RealmChange]
}

/** The realms of this node, one per primary query type. Realms can be created, changed and deleted at run time. */
export class RealmRegistry extends EventEmitter<RealmRegistryEvents> {
  private readonly realms = new Map<string, Realm>()

  constructor(
    configs: RealmConfig[],
    private readonly workers: WorkerRegistry,
    private readonly queryTimeoutMs?: number
  ) {
    super()
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
    const realm = this.findForType(type)
    if (realm === undefined) throw new UnknownQueryTypeError(`No realm serves ${type}`)
    return realm
  }

  findForType(type: QueryType): Realm | undefined {
    for (const realm of this.realms.values()) if (realm.queryType === type) return realm
    return undefined
  }

  /**
   * The realm a user belongs to (PlanetScale rule: sum of the GUID's character
   * codes modulo the number of realms, in registry order). Used for per-realm
   * connection counts; queries still go to the realm of their type.
   */
  assign(guid: string): Realm | undefined {
    const all = this.list()
    if (all.length === 0) return undefined
    let sum = 0
    for (let i = 0; i < guid.length; i++) sum += guid.charCodeAt(i)
    return all[sum % all.length]
  }

  /** Add a realm. Throws RealmExistsError for a taken name or a query type that already has its primary realm. */
  create(config: RealmConfig): Realm {
    if (this.realms.has(config.name)) throw new RealmExistsError(`A realm named ${config.name} already exists`)
    this.checkTypeFree(config)
    this.checkBackups(config)
    const realm = new Realm(config, this.workers, this.queryTimeoutMs)
    this.realms.set(config.name, realm)
    this.emit('change', { kind: 'create', realm: config.name })
    return realm
  }

  /** Change a realm's settings. Moving it to another query type needs an empty queue. */
  update(config: RealmConfig): Realm {
    const realm = this.mustGet(config.name)
    if (config.primaryQueryType !== realm.queryType) {
      this.checkTypeFree(config)
      if (realm.depth > 0)
        throw new RealmBusyError(`Realm ${config.name} has ${realm.depth} queries queued or running; wait until it is idle to change its query type`)
    }
    this.checkBackups(config)
    realm.reconfigure(config)
    this.emit('change', { kind: 'update', realm: config.name })
    return realm
  }

  /**
   * Delete a realm. Refused while it has queries, while local workers still
   * serve its type (they would be stranded), or while another realm names it as backup.
   */
  delete(name: string): void {
    const realm = this.mustGet(name)
    if (realm.depth > 0) throw new RealmBusyError(`Realm ${name} has ${realm.depth} queries queued or running`)
    const workers = this.workers.list(realm.queryType).length
    if (workers > 0) throw new RealmBusyError(`Realm ${name} is the primary realm of ${realm.queryType} and has ${workers} worker(s); remove them first`)
    const dependant = this.list().find((r) => r.config.backupRealms.includes(name))
    if (dependant !== undefined) throw new RealmBusyError(`Realm ${dependant.name} uses ${name} as a backup realm`)
    this.realms.delete(name)
    realm.close(`Realm ${name} was deleted`)
    this.emit('change', { kind: 'delete', realm: name })
  }

  private mustGet(name: string): Realm {
    const realm = this.realms.get(name)
    if (realm === undefined) throw new UnknownRealmError(`No realm named ${name}`)
    return realm
  }

  private checkTypeFree(config: RealmConfig): void {
    const holder = this.findForType(config.primaryQueryType)
    if (holder !== undefined && holder.name !== config.name) {
      throw new RealmExistsError(`${config.primaryQueryType} is already the primary type of ${holder.name}`)
    }
  }

  private checkBackups(config: RealmConfig): void {
    for (const backup of config.backupRealms) {
      if (backup === config.name || !this.realms.has(backup)) throw new UnknownRealmError(`Unknown backup realm ${backup}`)
    }
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
