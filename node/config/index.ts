export { DEFAULT_ADVERTISE_INTERVAL_MS, DEFAULT_FEDERATION_ID, defaultConfig } from './defaults.js'
export { ConfigError } from './errors.js'
export { configFromDocument, loadConfigFile, normaliseWorkerUrl, parseWorkerSpec, REALM_NAME_PATTERN, realmFromDocument, workerFromDocument } from './load.js'
export * from './types.js'
