import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createNode, defaultConfig, loadConfigFile, type NodeConfig, parseWorkerSpec, type RentahalNode, VERSION } from '../../node/index.js'

export interface StartOptions {
  dataDir?: string
  config?: string
  httpHost: string
  httpPort: number
  p2pHost: string
  p2pPort: number
  announce: string[]
  bootstrap: string[]
  worker: string[]
  autodetect: boolean
  mdns?: boolean
}

export function defaultDataDir(): string {
  return process.env.RENTAHAL_DATA_DIR ?? join(homedir(), '.rentahal')
}

async function loadConfig(file: string | undefined): Promise<NodeConfig> {
  if (file !== undefined) return loadConfigFile(resolve(file))
  const local = resolve('realms.yml')
  return existsSync(local) ? loadConfigFile(local) : defaultConfig()
}

function printBanner(node: RentahalNode, dataDir: string): void {
  const pad = (s: string): string => s.padEnd(12)
  const lines = [
    `rentahal-node ${VERSION}`,
    `${pad('peer id')}${node.peerId}`,
    `${pad('data dir')}${dataDir}`,
    `${pad('config')}${node.config.source ?? 'built-in defaults'}`,
    `${pad('federation')}${node.config.federationId}`
  ]
  node.libp2p.getMultiaddrs().forEach((addr, i) => {
    lines.push(`${pad(i === 0 ? 'listening' : '')}${addr.toString()}`)
  })
  lines.push(`${pad('UI / API')}${node.httpUrl ?? '(not listening)'}/`)
  node.realms.list().forEach((realm, i) => {
    const workers = node.workers.list(realm.queryType)
    const desc =
      workers.length === 0
        ? 'no local workers'
        : workers.map((w) => `${w.name} (${w.config.kind}${w.config.url === '' ? '' : ` ${w.config.url}`}, capacity ${w.config.capacity})`).join(', ')
    lines.push(`${pad(i === 0 ? 'realms' : '')}${realm.name} ${realm.queryType}: ${desc}`)
  })
  lines.push('Press Ctrl-C to stop.')
  console.log(lines.join('\n'))
}

/** `rentahal-node start`: join the network and serve until a signal. */
export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir())
  const config = await loadConfig(options.config)
  const workers = options.worker.map(parseWorkerSpec)
  const node = await createNode({
    config,
    dataDir,
    http: { host: options.httpHost, port: options.httpPort },
    p2p: {
      transport: 'tcp',
      host: options.p2pHost,
      port: options.p2pPort,
      announce: options.announce,
      bootstrap: options.bootstrap,
      mdns: options.mdns === true
    },
    workers
  })
  await node.start()
  printBanner(node, dataDir)

  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`rentahal-node: ${signal} again, exiting now`)
      process.exit(130)
    }
    stopping = true
    console.log(`rentahal-node: ${signal} received, stopping (again to force)`)
    node.stop().then(
      () => {
        console.log('rentahal-node: stopped')
        process.exit(0)
      },
      (err: Error) => {
        console.error(`rentahal-node: error while stopping: ${err.message}`)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
