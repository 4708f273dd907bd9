import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { createNode, defaultConfig, loadConfigFile, type NodeConfig, parseWorkerSpec, type RentahalNode, VERSION, type WorkerConfig } from '../../node/index.js'
import {
  builtinOcrWorker,
  type DetectedServer,
  detectLocalServers,
  llamaModuleInstalled,
  NODE_LLAMA_CPP_VERSION,
  registerDetected
} from '../../node/workers/index.js'
import { resolveModelFile } from '../model-file.js'

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
  /** GGUF path or URL for an in-process chat worker. */
  model?: string
  threads: number
  ocr: boolean
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
        : workers
            .map(
              (w) =>
                `${w.name} (${w.config.kind}${w.config.url === '' ? '' : ` ${w.config.url}`}, capacity ${w.config.capacity}${w.origin === 'autodetect' ? ', auto-detected' : ''})`
            )
            .join(', ')
    lines.push(`${pad(i === 0 ? 'realms' : '')}${realm.name} ${realm.queryType}: ${desc}`)
  })
  lines.push('Press Ctrl-C to stop.')
  console.log(lines.join('\n'))
}

/** The `--model` worker, or undefined (with the reason printed) when it cannot run here. */
async function inProcessModel(spec: string, dataDir: string, threads: number): Promise<WorkerConfig | undefined> {
  if (!llamaModuleInstalled()) {
    console.error(
      `rentahal-node: --model needs the optional package node-llama-cpp (npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION}); starting without the in-process model`
    )
    return undefined
  }
  const modelPath = await resolveModelFile(spec, dataDir)
  if (modelPath === undefined) return undefined
  return { name: `chat@${basename(modelPath)}`, kind: 'llama-cpp', type: 'chat', url: '', models: [], capacity: 1, modelPath, threads }
}

/** Load in-process models in the background, so the first query does not wait for it. */
function warmUpModels(node: RentahalNode): void {
  for (const w of node.workers.list()) {
    if (w.config.kind !== 'llama-cpp' || w.adapter.warmUp === undefined) continue
    const started = performance.now()
    w.adapter.warmUp().then(
      () => console.log(`rentahal-node: model ${w.config.modelPath} loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (worker ${w.name})`),
      (err: Error) => console.error(`rentahal-node: worker ${w.name} cannot load its model: ${err.message}`)
    )
  }
}

/** `rentahal-node start`: join the network and serve until a signal. */
export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir())
  const config = await loadConfig(options.config)
  const workers = options.worker.map(parseWorkerSpec)
  // Probe loopback model servers while the node is being built (all probes in parallel, short deadline).
  const detection: Promise<DetectedServer[]> = options.autodetect ? detectLocalServers().catch(() => []) : Promise.resolve([])
  const modelWorker = options.model === undefined ? undefined : await inProcessModel(options.model, dataDir, options.threads)
  if (modelWorker !== undefined) workers.push(modelWorker)
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
  if (config.workers.builtinOcr && options.ocr && node.workers.get(builtinOcrWorker().name) === undefined) {
    // Costs nothing until its first query: the OCR engine starts then.
    node.workers.add(builtinOcrWorker(), { origin: 'builtin' })
  }
  registerDetected(node.workers, await detection)
  await node.start()
  printBanner(node, dataDir)
  warmUpModels(node)

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
