#!/usr/bin/env node
import '../node/polyfill.js'
import { Command, Option } from 'commander'
import { VERSION } from '../node/version.js'
import { collect, parsePort } from './options.js'

/** Errors whose message is already a clear one-line explanation for the user. */
const EXPECTED = new Set(['ConfigError', 'DataDirError', 'ListenError', 'CliError'])

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

program
  .command('start')
  .description('start a node and join the network')
  .option('--data-dir <dir>', 'data directory (env RENTAHAL_DATA_DIR)', process.env.RENTAHAL_DATA_DIR)
  .option('--config <file>', 'realms.yml to load (default: ./realms.yml when present, else built-in defaults)')
  .option('--http-host <host>', 'HTTP/WebSocket host', '127.0.0.1')
  .addOption(new Option('--http-port <port>', 'HTTP/WebSocket port (0 = any free port)').default(5000).argParser(parsePort))
  .option('--p2p-host <host>', 'libp2p listen host (use 0.0.0.0 to accept other machines)', '127.0.0.1')
  .addOption(new Option('--p2p-port <port>', 'libp2p TCP port; WebSockets on the next port (0 = any)').default(4100).argParser(parsePort))
  .option('--announce <multiaddr>', 'extra address to announce to peers (repeatable)', collect, [])
  .option('--bootstrap <multiaddr>', 'peer to join through (repeatable)', collect, [])
  .option('--worker <type=url[,capacity=N][,name=X][,kind=K][,model=M]>', 'add a worker, e.g. chat=http://127.0.0.1:8000 (repeatable)', collect, [])
  .option('--no-autodetect', 'do not probe loopback for local model servers')
  .action(async (opts) => {
    const { start } = await import('./start.js')
    await start(opts).catch(fail)
  })

program.parseAsync(process.argv).catch(fail)
