import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { readAdminToken } from '../../node/admin-token.js'
import { parseWorkerSpec } from '../../node/config/index.js'
import { type ApiOptions, CliError, callApi } from '../api-client.js'

export interface AdminOptions extends ApiOptions {
  dataDir?: string
  token?: string
}

interface RealmFlags extends AdminOptions {
  type?: string
  minWorkers?: number
  maxWorkers?: number
  maxQueueSize?: number
  loadBalancing?: string
  backupRealm: string[]
}

function dataDirOf(options: { dataDir?: string }): string {
  return resolve(options.dataDir ?? process.env.RENTAHAL_DATA_DIR ?? join(homedir(), '.rentahal'))
}

async function tokenOf(options: AdminOptions): Promise<string> {
  if (options.token !== undefined && options.token !== '') return options.token
  const dir = dataDirOf(options)
  const token = await readAdminToken(dir).catch((err: Error) => {
    throw new CliError(err.message)
  })
  if (token === undefined) throw new CliError(`no admin token in ${dir}: start the node once with this data dir, or pass --data-dir / --token`)
  return token
}

async function admin<T>(options: AdminOptions, method: string, path: string, body?: unknown): Promise<T> {
  const token = await tokenOf(options)
  return callApi<T>(options, path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}

function report(options: AdminOptions, answer: unknown, line: string): void {
  console.log(options.json === true ? JSON.stringify(answer, null, 2) : line)
}

/** `rentahal-node admin-token` */
export async function printAdminToken(options: { dataDir?: string }): Promise<void> {
  const dir = dataDirOf(options)
  const token = await readAdminToken(dir).catch((err: Error) => {
    throw new CliError(err.message)
  })
  if (token === undefined) throw new CliError(`no admin token in ${dir}: start the node once with this data dir (rentahal-node start --data-dir ${dir})`)
  console.log(token)
}

function realmConfig(flags: RealmFlags): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  if (flags.minWorkers !== undefined) config.min_workers = flags.minWorkers
  if (flags.maxWorkers !== undefined) config.max_workers = flags.maxWorkers
  if (flags.maxQueueSize !== undefined) config.max_queue_size = flags.maxQueueSize
  if (flags.loadBalancing !== undefined) config.load_balancing = flags.loadBalancing
  if (flags.backupRealm.length > 0) config.backup_realms = flags.backupRealm
  return config
}

/** `rentahal-node realms create <name> --type <t>` */
export async function createRealm(name: string, flags: RealmFlags): Promise<void> {
  const answer = await admin(flags, 'POST', '/api/admin/realms', { name, primary_query_type: flags.type, config: realmConfig(flags) })
  report(flags, answer, `created realm ${name} (${flags.type})`)
}

/** `rentahal-node realms update <name> [...]` */
export async function updateRealm(name: string, flags: RealmFlags): Promise<void> {
  const body: Record<string, unknown> = { config: realmConfig(flags) }
  if (flags.type !== undefined) body.primary_query_type = flags.type
  const answer = await admin(flags, 'PUT', `/api/admin/realms/${encodeURIComponent(name)}`, body)
  report(flags, answer, `updated realm ${name}`)
}

/** `rentahal-node realms delete <name>` */
export async function deleteRealm(name: string, flags: AdminOptions): Promise<void> {
  const answer = await admin(flags, 'DELETE', `/api/admin/realms/${encodeURIComponent(name)}`)
  report(flags, answer, `deleted realm ${name}`)
}

/** `rentahal-node workers add <spec>` */
export async function addWorker(spec: string, flags: AdminOptions & { apiKey?: string }): Promise<void> {
  let worker: ReturnType<typeof parseWorkerSpec>
  try {
    worker = parseWorkerSpec(spec)
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^--worker /, ''))
  }
  const body = {
    name: worker.name,
    kind: worker.kind,
    type: worker.type,
    url: worker.url,
    models: worker.models,
    capacity: worker.capacity,
    api_key: flags.apiKey
  }
  const answer = await admin(flags, 'POST', '/api/admin/workers', body)
  report(flags, answer, `added worker ${worker.name} (${worker.type}, ${worker.url})`)
}

/** `rentahal-node workers remove <name>` */
export async function removeWorker(name: string, flags: AdminOptions): Promise<void> {
  const answer = await admin(flags, 'DELETE', `/api/admin/workers/${encodeURIComponent(name)}`)
  report(flags, answer, `removed worker ${name}`)
}
