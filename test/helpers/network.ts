import { createNode, defaultConfig, type NodeConfig, type NodeInit, type RentahalNode, type WorkerConfig } from '../../node/index.js'
import { advertTopic } from '../../protocol/index.js'
import type { TempDirs } from './temp.js'

/** A settable clock shared by the directories of a test network. */
export class TestClock {
  ms = 1_000_000
  now = (): number => this.ms
  advance(ms: number): void {
    this.ms += ms
  }
}

export interface NetworkNodeOptions {
  federationId?: string
  workers?: WorkerConfig[]
  clock?: TestClock
  configure?: (config: NodeConfig) => void
  http?: boolean
  init?: Partial<NodeInit>
}

/** A node on the memory transport with every background timer off: the test drives them. */
export async function startNetworkNode(temp: TempDirs, options: NetworkNodeOptions = {}): Promise<RentahalNode> {
  const config = defaultConfig()
  config.workers.healthCheckIntervalMs = 0
  if (options.federationId !== undefined) config.federationId = options.federationId
  options.configure?.(config)
  const node = await createNode({
    config,
    dataDir: await temp.make(),
    http: options.http === true ? { host: '127.0.0.1', port: 0 } : false,
    p2p: { transport: 'memory' },
    workers: options.workers ?? [],
    queueTickMs: 0,
    healthChecks: false,
    federation: { timers: false, now: options.clock?.now },
    ...options.init
  })
  await node.start()
  return node
}

export async function connect(a: RentahalNode, b: RentahalNode): Promise<void> {
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0] as never)
}

/** Poll until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Wait until every node has a gossip mesh on its federation's advert topic. */
export async function waitForMesh(nodes: RentahalNode[]): Promise<void> {
  await waitFor(
    () =>
      nodes.every((n) => {
        const pubsub = n.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }
        return pubsub.getMeshPeers(advertTopic(n.config.federationId)).length > 0
      }),
    'a gossip mesh on every node'
  )
}

/** Publish every node's advert and wait until each node lists every other node that serves something. */
export async function converge(nodes: RentahalNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.federation.advertiser.publish()))
  const servers = nodes.filter((n) => n.workers.list().length > 0)
  await waitFor(() => nodes.every((n) => servers.every((s) => s === n || n.federation.directory.has(s.libp2p.peerId))), 'every node to know every serving node')
}
