import { type Command, Option } from 'commander'
import { collect, parsePort } from '../options.js'

/** `rentahal-node start` */
export function registerStart(program: Command, fail: (err: unknown) => never): void {
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
    .option('--mdns', 'find peers on the LAN with mDNS (off unless given)')
    .action(async (opts) => {
      // Loaded lazily so commands that only call the HTTP API start fast.
      const { start } = await import('./start.js')
      await start(opts).catch(fail)
    })
}
