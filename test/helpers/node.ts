import { createNode, defaultConfig, type NodeConfig, type NodeInit, type RentahalNode, type WorkerConfig } from '../../node/index.js'
import type { TempDirs } from './temp.js'

export function legacyWorker(url: string, options: Partial<WorkerConfig> = {}): WorkerConfig {
  return { name: options.name ?? `w-${url}`, kind: 'legacy', type: 'chat', url, models: [], capacity: 1, ...options }
}

export interface TestNodeOptions {
  workers?: WorkerConfig[]
  config?: (config: NodeConfig) => void
  dataDir?: string
  http?: boolean
  init?: Partial<NodeInit>
}

/** A real node on the memory transport with its HTTP gateway on a free loopback port. */
export async function startTestNode(temp: TempDirs, options: TestNodeOptions = {}): Promise<RentahalNode> {
  const config = defaultConfig()
  config.workers.healthCheckIntervalMs = 0
  options.config?.(config)
  const node = await createNode({
    config,
    dataDir: options.dataDir ?? (await temp.make()),
    http: options.http === false ? false : { host: '127.0.0.1', port: 0 },
    p2p: { transport: 'memory' },
    workers: options.workers ?? [],
    queueTickMs: 0,
    healthChecks: false,
    ...options.init
  })
  await node.start()
  return node
}

export function wsUrl(node: RentahalNode): string {
  if (node.httpUrl === undefined) throw new Error('node has no HTTP gateway')
  return `${node.httpUrl.replace(/^http/, 'ws')}/ws`
}
