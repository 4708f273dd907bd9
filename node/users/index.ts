export * from './errors.js'
export { canonicalGuid, newGuid } from './guid.js'
export { LevelUserStore } from './level-store.js'
export { type NewQueryRecord, type SystemTotals, toLegacyUserInfo, type User, type UserStore } from './types.js'
