export * from './errors.js'
export { Realm, type RealmMetrics, type RealmResult, type RealmSubmitOptions } from './realm.js'
export { type RealmChange, RealmRegistry, type RealmRegistryEvents } from './registry.js'
export { LocalQueryRunner, type QueryOutcome, type QueryRunner, type QueryRunOptions, type ServedBy } from './runner.js'
