#!/usr/bin/env node
import '../node/polyfill.js'
import { Command } from 'commander'
import { VERSION } from '../node/version.js'
import { registerAdmin } from './commands/admin.js'
import { registerFederationCommands } from './commands/federation.js'
import { registerQuery } from './commands/query.js'
import { registerShards } from './commands/shards.js'
import { registerStart } from './commands/start-command.js'
import { registerWorkers } from './commands/workers.js'

/** Errors whose message is already a clear one-line explanation for the user. */
const EXPECTED = new Set(['ConfigError', 'DataDirError', 'ListenError', 'CliError', 'AdminTokenError'])

function fail(err: unknown): never {
  const e = err as Error
  if (EXPECTED.has(e?.name) || process.env.DEBUG === undefined) {
    console.error(`rentahal-node: ${e?.message ?? String(err)}`)
  } else {
    console.error(e)
  }
  process.exit(1)
}

const program = new Command()
program.name('rentahal-node').description('A peer-to-peer RENT-A-HAL node: serve and route AI queries over libp2p').version(VERSION, '-V, --version')

// One register function per command (or group), each in cli/commands/.
registerStart(program, fail)
registerFederationCommands(program, fail)
registerQuery(program, fail)
registerAdmin(program, fail)
registerWorkers(program, fail)
registerShards(program, fail)

program.parseAsync(process.argv).catch(fail)
