import { type Command, Option } from 'commander'
import { type ApiOptions, CliError, callApi, DEFAULT_API, printTable } from '../api-client.js'
import { commandGroup } from './groups.js'

/** A worker as `GET /api/workers` returns it. */
export interface WorkerInfo {
  name: string
  kind: string
  type: string
  url: string
  models: string[]
  capacity: number
  inFlight: number
  healthScore: number
  blacklisted: boolean
  origin: string
  persisted: boolean
  modelPath?: string
}

/** Options every `workers` subcommand takes. */
export function withApiOptions(command: Command): Command {
  return command.addOption(new Option('--api <url>', 'HTTP API of the node').default(DEFAULT_API)).option('--json', 'print JSON instead of a table')
}

/** `rentahal-node workers [list]`: the node's workers and their health. */
export async function listWorkers(options: ApiOptions): Promise<void> {
  const body = await callApi<{ workers?: WorkerInfo[] }>(options, '/api/workers')
  if (!Array.isArray(body?.workers)) throw new CliError(`${options.api}/api/workers: unexpected answer (is this a rentahal-node?)`)
  if (options.json === true) {
    console.log(JSON.stringify(body.workers, null, 2))
    return
  }
  printTable(
    body.workers.map((w) => ({
      name: w.name,
      type: w.type,
      kind: w.kind,
      where: w.url !== '' ? w.url : (w.modelPath ?? 'in process'),
      models: w.models.join(',') || '-',
      health: w.blacklisted ? `${w.healthScore} blacklisted` : String(w.healthScore),
      busy: `${w.inFlight}/${w.capacity}`,
      origin: w.persisted ? `${w.origin} (saved)` : w.origin
    })),
    ['name', 'type', 'kind', 'where', 'models', 'health', 'busy', 'origin']
  )
}

/**
 * `rentahal-node workers`: a command group whose default action lists the
 * workers; more subcommands (add, remove) attach to the returned command.
 */
export function registerWorkers(program: Command, fail: (err: unknown) => never): Command {
  const workers = commandGroup(program, 'workers', "list (and manage) a running node's workers")
  withApiOptions(workers.command('list', { isDefault: true }).description('list the workers, their health and load (default)')).action(
    async (opts: ApiOptions) => {
      await listWorkers(opts).catch(fail)
    }
  )
  return workers
}
