export * from './ids.js'
export * from './legacy.js'
export * from './limits.js'
export * from './shard.js'
