import { type Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_API } from '../api-client.js'
import { collect } from '../options.js'
import { commandGroup } from './groups.js'

function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}

/** Options every admin command takes. */
function adminOptions(command: Command): Command {
  return command
    .option('--api <url>', 'the node to manage', process.env.RENTAHAL_API ?? DEFAULT_API)
    .option('--data-dir <dir>', 'data dir holding the admin token (env RENTAHAL_DATA_DIR, default ~/.rentahal)', process.env.RENTAHAL_DATA_DIR)
    .addOption(new Option('--token <token>', 'admin token (default: read from the data dir)').env('RENTAHAL_ADMIN_TOKEN'))
    .option('--json', 'print the node’s JSON answer')
}

/** Realm settings flags shared by `realms create` and `realms update`. */
function realmOptions(command: Command): Command {
  return command
    .addOption(new Option('--min-workers <n>', 'fewest workers (reported)').argParser(positiveInt))
    .addOption(new Option('--max-workers <n>', 'most workers (reported)').argParser(positiveInt))
    .addOption(new Option('--max-queue-size <n>', 'queued + running queries before "Queue is full"').argParser(positiveInt))
    .addOption(new Option('--load-balancing <strategy>', 'health | round_robin | least_busy | random'))
    .option('--backup-realm <name>', 'realm taking over when this one is full (repeatable)', collect, [])
}

/**
 * `rentahal-node admin-token`, `rentahal-node realms create|update|delete`,
 * `rentahal-node workers add|remove`: the admin API with the data dir's token.
 * The `realms` and `workers` groups are shared with the listing commands
 * (see `commandGroup`).
 */
export function registerAdmin(program: Command, fail: (err: unknown) => never): void {
  const run =
    (load: () => Promise<(...args: never[]) => Promise<void>>) =>
    async (...args: unknown[]): Promise<void> => {
      // Loaded lazily so unrelated commands start fast.
      const action = await load()
      await (action as (...a: unknown[]) => Promise<void>)(...args).catch(fail)
    }

  program
    .command('admin-token')
    .description('print the admin token of the node using this data dir (bearer token of the admin API; sysop login in the browser)')
    .option('--data-dir <dir>', 'data dir (env RENTAHAL_DATA_DIR, default ~/.rentahal)', process.env.RENTAHAL_DATA_DIR)
    .action(run(async () => (await import('./admin-actions.js')).printAdminToken))

  const realms = commandGroup(program, 'realms', 'the realms of a running node')
  realmOptions(adminOptions(realms.command('create <name>').description('create a realm, e.g. realms create \\$ART --type imagine')))
    .requiredOption('--type <query_type>', 'query type the realm serves: chat | vision | imagine | speech')
    .action(run(async () => (await import('./admin-actions.js')).createRealm))
  realmOptions(adminOptions(realms.command('update <name>').description('change a realm’s settings')))
    .option('--type <query_type>', 'move the realm to another query type (its queue must be empty)')
    .action(run(async () => (await import('./admin-actions.js')).updateRealm))
  adminOptions(realms.command('delete <name>').description('delete a realm (it must have no workers and no queries)')).action(
    run(async () => (await import('./admin-actions.js')).deleteRealm)
  )

  const workers = commandGroup(program, 'workers', 'the workers of a running node')
  adminOptions(
    workers
      .command('add <spec>')
      .description('add a worker: <type>=<url>[,capacity=N][,name=X][,kind=K][,model=M]..., e.g. chat=http://127.0.0.1:8000,capacity=2')
  )
    .option('--api-key <key>', 'bearer key the worker expects (adapters that support one)')
    .action(run(async () => (await import('./admin-actions.js')).addWorker))
  adminOptions(workers.command('remove <name>').description('remove a worker')).action(run(async () => (await import('./admin-actions.js')).removeWorker))
}
