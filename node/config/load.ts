import { readFile } from 'node:fs/promises'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { FEDERATION_ID_PATTERN, isQueryType, QUERY_TYPES, type QueryType } from '../../protocol/index.js'
import { defaultConfig } from './defaults.js'
import { ConfigError } from './errors.js'
import {
  type GatewayConfig,
  LOAD_BALANCING,
  type LoadBalancing,
  type NodeConfig,
  type RealmConfig,
  WORKER_KINDS,
  type WorkerConfig,
  type WorkerKind
} from './types.js'

type Obj = Record<string, unknown>

/** Reads values out of parsed YAML, naming file and key in every error. */
class Reader {
  constructor(readonly source: string) {}

  fail(key: string, reason: string): never {
    throw new ConfigError(`${this.source}: ${key}: ${reason}`, this.source, key)
  }

  obj(value: unknown, key: string): Obj {
    if (value === undefined || value === null) return {}
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'must be a mapping')
    return value as Obj
  }

  str(o: Obj, key: string, path: string, fallback: string): string {
    const v = o[key]
    if (v === undefined || v === null) return fallback
    if (typeof v !== 'string' || v === '') this.fail(`${path}.${key}`, 'must be a non-empty string')
    return v
  }

  num(o: Obj, key: string, path: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = o[key]
    if (v === undefined || v === null) return fallback
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(`${path}.${key}`, `must be a number between ${min} and ${max}`)
    }
    return v
  }

  int(o: Obj, key: string, path: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.num(o, key, path, fallback, min, max)
    if (!Number.isInteger(v)) this.fail(`${path}.${key}`, 'must be an integer')
    return v
  }

  bool(o: Obj, key: string, path: string, fallback: boolean): boolean {
    const v = o[key]
    if (v === undefined || v === null) return fallback
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, 'must be true or false')
    return v
  }

  strList(o: Obj, key: string, path: string): string[] {
    const v = o[key]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(`${path}.${key}`, 'must be a list of strings')
    return v as string[]
  }
}

const KNOWN_TOP_LEVEL = new Set([
  'federation_id',
  'federation_callback_url',
  'realms',
  'discovery',
  'database_sharding',
  'costs',
  'workers',
  'first_loopback_user_is_sysop',
  'gateway'
])

/** Turn a legacy `host:port` or a URL into a base URL without a trailing slash. */
export function normaliseWorkerUrl(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`
  const url = new URL(withScheme)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme ${url.protocol}`)
  return url.toString().replace(/\/+$/, '')
}

function readWorker(r: Reader, raw: unknown, path: string, realmType: QueryType): WorkerConfig {
  const o = r.obj(raw, path)
  const kind = r.str(o, 'kind', path, 'legacy')
  if (!(WORKER_KINDS as readonly string[]).includes(kind)) r.fail(`${path}.kind`, `must be one of ${WORKER_KINDS.join(', ')}`)
  const type = r.str(o, 'type', path, realmType)
  if (!isQueryType(type)) r.fail(`${path}.type`, `must be one of ${QUERY_TYPES.join(', ')}`)
  const url = r.str(o, 'url', path, '')
  let normalised = ''
  if (kind !== 'llama-cpp' && kind !== 'ocr') {
    if (url === '') r.fail(`${path}.url`, 'is required')
    try {
      normalised = normaliseWorkerUrl(url)
    } catch (err) {
      r.fail(`${path}.url`, `is not a valid http(s) URL (${(err as Error).message})`)
    }
  }
  return {
    name: r.str(o, 'name', path, `${kind}-${type}-${url || 'local'}`),
    kind: kind as WorkerKind,
    type,
    url: normalised,
    models: r.strList(o, 'models', path),
    capacity: r.int(o, 'capacity', path, 1, 1, 1024),
    apiKey: typeof o.api_key === 'string' ? o.api_key : undefined
  }
}

function readRealm(r: Reader, name: string, raw: unknown, defaults: RealmConfig | undefined): RealmConfig {
  const path = `realms.${name}`
  const o = r.obj(raw, path)
  const type = r.str(o, 'primary_query_type', path, defaults?.primaryQueryType ?? '')
  if (!isQueryType(type)) r.fail(`${path}.primary_query_type`, `must be one of ${QUERY_TYPES.join(', ')}`)
  const loadBalancing = r.str(o, 'load_balancing', path, defaults?.loadBalancing ?? 'health')
  if (!(LOAD_BALANCING as readonly string[]).includes(loadBalancing)) {
    r.fail(`${path}.load_balancing`, `must be one of ${LOAD_BALANCING.join(', ')}`)
  }
  const workersRaw = o.workers ?? []
  if (!Array.isArray(workersRaw)) r.fail(`${path}.workers`, 'must be a list')
  const minWorkers = r.int(o, 'min_workers', path, defaults?.minWorkers ?? 1, 0)
  const maxWorkers = r.int(o, 'max_workers', path, defaults?.maxWorkers ?? 5, 0)
  if (maxWorkers < minWorkers) r.fail(`${path}.max_workers`, 'must not be below min_workers')
  return {
    name,
    primaryQueryType: type,
    minWorkers,
    maxWorkers,
    backupRealms: r.strList(o, 'backup_realms', path),
    maxQueueSize: r.int(o, 'max_queue_size', path, defaults?.maxQueueSize ?? 100, 1, 100_000),
    loadBalancing: loadBalancing as LoadBalancing,
    workers: workersRaw.map((w, i) => readWorker(r, w, `${path}.workers[${i}]`, type))
  }
}

/** Validate a parsed realms.yml document into a NodeConfig (defaults fill what is missing). */
export function configFromDocument(doc: unknown, source: string): NodeConfig {
  const r = new Reader(source)
  const base = defaultConfig()
  const top = r.obj(doc, '(top level)')
  for (const key of Object.keys(top)) {
    if (!KNOWN_TOP_LEVEL.has(key)) r.fail(key, `unknown key (known: ${[...KNOWN_TOP_LEVEL].join(', ')})`)
  }
  const federationId = r.str(top, 'federation_id', '', base.federationId)
  if (!FEDERATION_ID_PATTERN.test(federationId)) r.fail('federation_id', 'may only hold letters, digits, . _ - (max 64)')

  let realms = base.realms
  if (top.realms !== undefined && top.realms !== null) {
    const o = r.obj(top.realms, 'realms')
    realms = Object.entries(o).map(([name, raw]) =>
      readRealm(
        r,
        name,
        raw,
        base.realms.find((x) => x.name === name)
      )
    )
  }
  const seen = new Map<string, string>()
  for (const realm of realms) {
    const other = seen.get(realm.primaryQueryType)
    if (other !== undefined) r.fail(`realms.${realm.name}.primary_query_type`, `${realm.primaryQueryType} is already the primary type of ${other}`)
    seen.set(realm.primaryQueryType, realm.name)
  }
  for (const realm of realms) {
    for (const backup of realm.backupRealms) {
      if (!realms.some((x) => x.name === backup)) r.fail(`realms.${realm.name}.backup_realms`, `unknown realm ${backup}`)
    }
  }
  const workerNames = new Set<string>()
  for (const realm of realms) {
    for (const w of realm.workers) {
      if (workerNames.has(w.name)) r.fail(`realms.${realm.name}.workers`, `duplicate worker name ${w.name}`)
      workerNames.add(w.name)
    }
  }

  const disc = r.obj(top.discovery, 'discovery')
  const shard = r.obj(top.database_sharding, 'database_sharding')
  const costs = r.obj(top.costs, 'costs')
  const workers = r.obj(top.workers, 'workers')
  const sharding = {
    enabled: r.bool(shard, 'enabled', 'database_sharding', base.sharding.enabled),
    replication: r.int(shard, 'replication', 'database_sharding', base.sharding.replication, 1, 16),
    writeQuorum: r.int(shard, 'write_quorum', 'database_sharding', base.sharding.writeQuorum, 1, 16),
    readQuorum: r.int(shard, 'read_quorum', 'database_sharding', base.sharding.readQuorum, 1, 16)
  }
  if (sharding.writeQuorum > sharding.replication) r.fail('database_sharding.write_quorum', 'must not exceed replication')
  if (sharding.readQuorum > sharding.replication) r.fail('database_sharding.read_quorum', 'must not exceed replication')

  return {
    federationId,
    source,
    realms,
    discovery: {
      bootstrapNodes: r.strList(disc, 'bootstrap_nodes', 'discovery'),
      advertiseIntervalMs: Math.round(r.num(disc, 'advertise_interval', 'discovery', base.discovery.advertiseIntervalMs / 1000, 0.05, 86_400) * 1000),
      mdns: r.bool(disc, 'mdns', 'discovery', false)
    },
    sharding,
    costs: {
      baseCostPerQuery: r.num(costs, 'base_cost_per_query', 'costs', base.costs.baseCostPerQuery, 0),
      costPerSecond: r.num(costs, 'cost_per_second', 'costs', base.costs.costPerSecond, 0)
    },
    workers: {
      healthCheckIntervalMs: Math.round(r.num(workers, 'health_check_interval', 'workers', base.workers.healthCheckIntervalMs / 1000, 0.05, 86_400) * 1000),
      queryTimeoutMs: Math.round(r.num(workers, 'query_timeout', 'workers', base.workers.queryTimeoutMs / 1000, 0.05, 86_400) * 1000),
      noBlacklistImagine: r.bool(workers, 'no_blacklist_imagine', 'workers', base.workers.noBlacklistImagine)
    },
    firstLoopbackUserIsSysop: r.bool(top, 'first_loopback_user_is_sysop', '', base.firstLoopbackUserIsSysop),
    gateway: readGateway(r, top.gateway, base.gateway)
  }
}

function readGateway(r: Reader, raw: unknown, base: GatewayConfig): GatewayConfig {
  const g = r.obj(raw, 'gateway')
  const p = 'gateway'
  const seconds = (key: string, fallbackMs: number): number => Math.round(r.num(g, key, p, fallbackMs / 1000, 0.05, 86_400) * 1000)
  const corsOrigins = r.strList(g, 'cors_origins', p)
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) r.fail(`${p}.cors_origins`, `${origin} is not an origin like https://example.org:8080`)
  }
  const openaiApiKeys = r.strList(g, 'openai_api_keys', p)
  if (openaiApiKeys.some((k) => k.length < 8)) r.fail(`${p}.openai_api_keys`, 'every key must have at least 8 characters')
  return {
    bodyLimitBytes: r.int(g, 'body_limit', p, base.bodyLimitBytes, 1024, 1024 * 1024 * 1024),
    requestTimeoutMs: seconds('request_timeout', base.requestTimeoutMs),
    restRateLimitPerMinute: r.int(g, 'rate_limit_per_minute', p, base.restRateLimitPerMinute, 0),
    wsMessagesPerSecond: r.num(g, 'ws_messages_per_second', p, base.wsMessagesPerSecond, 0),
    wsMessageBurst: r.int(g, 'ws_message_burst', p, base.wsMessageBurst, 1),
    wsConnectionsPerIp: r.int(g, 'ws_connections_per_ip', p, base.wsConnectionsPerIp, 0),
    wsIdleTimeoutMs: seconds('ws_idle_timeout', base.wsIdleTimeoutMs),
    corsOrigins,
    openaiApiKeys
  }
}

/** Load realms.yml; a missing file is an error (callers decide whether to fall back to defaults). */
export async function loadConfigFile(file: string): Promise<NodeConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError(`${file}: cannot read config (${code ?? (err as Error).message})`, file)
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` at line ${err.linePos[0].line}` : ''
    throw new ConfigError(`${file}: invalid YAML${where}: ${(err as Error).message.split('\n')[0]}`, file)
  }
  return configFromDocument(doc ?? {}, file)
}

/**
 * Parse a `--worker` flag: `<query_type>=<url>[,capacity=N][,name=X][,kind=K][,model=M]...`.
 */
export function parseWorkerSpec(spec: string): WorkerConfig {
  const fail = (reason: string): never => {
    throw new ConfigError(`--worker ${spec}: ${reason}`, '--worker')
  }
  const eq = spec.indexOf('=')
  if (eq <= 0) fail('expected <query_type>=<url>, e.g. chat=http://127.0.0.1:8000')
  const type = spec.slice(0, eq)
  if (!isQueryType(type)) fail(`query type must be one of ${QUERY_TYPES.join(', ')}`)
  const [address, ...opts] = spec.slice(eq + 1).split(',')
  let url = ''
  try {
    url = normaliseWorkerUrl(address ?? '')
  } catch (err) {
    fail(`invalid URL (${(err as Error).message})`)
  }
  const worker: WorkerConfig = { name: '', kind: 'legacy', type: type as QueryType, url, models: [], capacity: 1 }
  for (const opt of opts) {
    const [k, v] = opt.split('=', 2)
    if (v === undefined || v === '') fail(`option ${opt} needs a value`)
    switch (k) {
      case 'capacity': {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 1024) fail('capacity must be an integer from 1 to 1024')
        worker.capacity = n
        break
      }
      case 'name':
        worker.name = v as string
        break
      case 'kind':
        if (!(WORKER_KINDS as readonly string[]).includes(v as string)) fail(`kind must be one of ${WORKER_KINDS.join(', ')}`)
        worker.kind = v as WorkerKind
        break
      case 'model':
        worker.models.push(v as string)
        break
      default:
        fail(`unknown option ${k} (known: capacity, name, kind, model)`)
    }
  }
  if (worker.name === '') worker.name = `${type}@${new URL(url).host}`
  return worker
}

/** Realm names: legacy style `$CHAT`, or any short name of letters, digits, $ _ . - */
export const REALM_NAME_PATTERN = /^[$A-Za-z0-9_.-]{1,64}$/

/**
 * Validate one realm given at run time (admin API), in realms.yml shape without
 * `workers`; `base` supplies the values the document leaves out (an update).
 */
export function realmFromDocument(name: string, raw: unknown, source: string, base?: RealmConfig): RealmConfig {
  const r = new Reader(source)
  if (!REALM_NAME_PATTERN.test(name)) r.fail('name', 'may only hold letters, digits, $ _ . - (max 64)')
  const o = r.obj(raw, 'config')
  if (o.workers !== undefined) r.fail('config.workers', 'add workers with the workers API, not in a realm')
  const realm = readRealm(r, name, o, base)
  return { ...realm, workers: base?.workers ?? [] }
}

/** Validate one worker given at run time (admin API), in realms.yml shape; `type` is required. */
export function workerFromDocument(raw: unknown, source: string): WorkerConfig {
  const r = new Reader(source)
  const o = r.obj(raw, 'worker')
  const type = r.str(o, 'type', 'worker', '')
  if (!isQueryType(type)) r.fail('worker.type', `must be one of ${QUERY_TYPES.join(', ')}`)
  if (o.name === undefined) r.fail('worker.name', 'is required')
  return readWorker(r, o, 'worker', type as QueryType)
}
