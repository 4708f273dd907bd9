export { RecordCipher } from './cipher.js'
export * from './errors.js'
export { HybridClock } from './hlc.js'
export { keyKadId, nicknameShardKey, peerKadId, toHex, userShardKey } from './keys.js'
export { Libp2pStoragePeerSource, type Libp2pStoragePeerSourceInit, type StoragePeerSource } from './peer-source.js'
export { Placement } from './placement.js'
export {
  DEFAULT_ANTI_ENTROPY_INTERVAL_MS,
  DEFAULT_REPAIR_DELAY_MS,
  type LockResult,
  type ReadResult,
  ShardService,
  type ShardServiceComponents,
  type ShardServiceInit,
  type ShardStatus,
  type SyncReport
} from './service.js'
export { type Entry, type EntryQuery, ShardStore } from './store.js'
