import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { Level } from 'level'
import { createNode, defaultConfig, type NodeConfig, type RentahalNode } from '../../node/index.js'
import type { TempDirs } from './temp.js'

/** Poll `check` every few ms until it returns true; fail after `timeoutMs` saying what was awaited. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** Where a key sits in kad-dht's keyspace, computed here independently: sha256(bytes) as a number. */
function kadNumber(bytes: Uint8Array): bigint {
  return BigInt(`0x${createHash('sha256').update(bytes).digest('hex')}`)
}

/** The `n` peers closest to a record key by XOR distance, computed without the code under test. */
export function expectedOwners(key: Uint8Array, peers: PeerId[], n: number): string[] {
  const target = kadNumber(key)
  return peers
    .map((p) => ({ id: p.toString(), d: kadNumber(p.toMultihash().bytes) ^ target }))
    .sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0))
    .slice(0, n)
    .map((p) => p.id)
}

export interface ClusterOptions {
  config?: (config: NodeConfig) => void
}

/**
 * N real nodes in one process on the memory transport, dialled explicitly,
 * with the shard timers off (tests drive `shards.sync()`) and a connection
 * gater that can split them into groups.
 */
export class ShardCluster {
  readonly nodes: Array<RentahalNode | undefined> = []
  readonly dirs: string[] = []
  /** Group of each node index while partitioned; undefined when whole. */
  private groups: number[] | undefined

  constructor(private readonly options: ClusterOptions = {}) {}

  /** Data dirs for `n` nodes, none started. */
  static async prepare(temp: TempDirs, n: number, options: ClusterOptions = {}): Promise<ShardCluster> {
    const cluster = new ShardCluster(options)
    for (let i = 0; i < n; i++) {
      cluster.dirs.push(await temp.make(`rentahal-shard-${i}-`))
      cluster.nodes.push(undefined)
    }
    return cluster
  }

  static async start(temp: TempDirs, n: number, options: ClusterOptions = {}): Promise<ShardCluster> {
    const cluster = await ShardCluster.prepare(temp, n, options)
    for (let i = 0; i < n; i++) cluster.nodes[i] = await cluster.boot(i)
    await cluster.connect()
    return cluster
  }

  node(i: number): RentahalNode {
    const node = this.nodes[i]
    if (node === undefined) throw new Error(`node ${i} is not running`)
    return node
  }

  get running(): RentahalNode[] {
    return this.nodes.filter((n): n is RentahalNode => n !== undefined)
  }

  indexOf(peer: PeerId | string): number {
    const text = peer.toString()
    return this.nodes.findIndex((n) => n?.peerId === text)
  }

  private blocked(self: number, peer: PeerId): boolean {
    if (this.groups === undefined) return false
    const other = this.indexOf(peer)
    return other >= 0 && this.groups[other] !== this.groups[self]
  }

  private gater(i: number): ConnectionGater {
    return {
      denyDialPeer: (peer) => this.blocked(i, peer),
      denyInboundEncryptedConnection: (peer) => this.blocked(i, peer),
      denyOutboundEncryptedConnection: (peer) => this.blocked(i, peer)
    }
  }

  /** Create and start node `i` on its data dir (not dialled). */
  async boot(i: number): Promise<RentahalNode> {
    const config = defaultConfig()
    config.workers.healthCheckIntervalMs = 0
    this.options.config?.(config)
    const node = await createNode({
      config,
      dataDir: this.dirs[i] as string,
      http: false,
      p2p: { transport: 'memory', connectionGater: this.gater(i) },
      workers: [],
      queueTickMs: 0,
      healthChecks: false,
      shards: { antiEntropyIntervalMs: 0, repairDelayMs: 0 }
    })
    await node.start()
    this.nodes[i] = node
    return node
  }

  async restart(i: number): Promise<RentahalNode> {
    await this.stop(i)
    const node = await this.boot(i)
    this.nodes[i] = node
    await this.connect()
    return node
  }

  async stop(i: number): Promise<void> {
    const node = this.nodes[i]
    this.nodes[i] = undefined
    await node?.stop()
  }

  /** Dial every pair allowed to connect, then wait until each node lists the others as storage peers. */
  async connect(): Promise<void> {
    const live = this.nodes.map((n, i) => ({ n, i })).filter((x): x is { n: RentahalNode; i: number } => x.n !== undefined)
    for (const a of live) {
      for (const b of live) {
        if (b.i <= a.i || this.blocked(a.i, b.n.libp2p.peerId)) continue
        if (a.n.libp2p.getConnections(b.n.libp2p.peerId).length > 0) continue
        await a.n.libp2p.dial(b.n.libp2p.getMultiaddrs())
      }
    }
    await this.settle()
  }

  /** Wait until every running node's storage peers are exactly the storing nodes it may reach. */
  async settle(): Promise<void> {
    await waitFor('every node to list exactly its reachable nodes as storage peers', () =>
      this.nodes.every((node, i) => {
        if (node === undefined) return true
        const expected = this.nodes
          .filter((o, j) => o !== undefined && j !== i && o.shards?.stores === true && !this.blocked(i, o.libp2p.peerId))
          .map((o) => o?.peerId)
          .sort()
        const listed = (node.shards?.storagePeers() ?? []).map((p) => p.toString()).sort()
        return JSON.stringify(expected) === JSON.stringify(listed)
      })
    )
  }

  /** Split into groups (node index → group) and cut the connections between them. */
  async partition(groups: number[]): Promise<void> {
    this.groups = groups
    for (const [i, node] of this.nodes.entries()) {
      if (node === undefined) continue
      for (const conn of node.libp2p.getConnections()) {
        // Its other end may be closing it at the same time (yamux then throws on its GoAway): abort instead.
        if (this.blocked(i, conn.remotePeer)) await conn.close().catch((err: Error) => conn.abort(err))
      }
    }
    await this.settle()
  }

  async heal(): Promise<void> {
    this.groups = undefined
    await this.connect()
  }

  /** Anti-entropy passes on every running node until one whole round repairs and hands off nothing. */
  async syncUntilQuiet(maxRounds = 6): Promise<number> {
    for (let round = 1; round <= maxRounds; round++) {
      let work = 0
      for (const node of this.running) {
        const report = await (node.shards as NonNullable<RentahalNode['shards']>).sync()
        work += report.repairedKeys + report.handedOff + report.failedPeers
      }
      if (work === 0) return round
    }
    throw new Error(`anti-entropy still repairing after ${maxRounds} rounds`)
  }

  /** Which running nodes hold `key`, with their digests (hex). */
  async holders(key: Uint8Array): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    const wanted = hex(key)
    for (const node of this.running) {
      const held = (await node.shards?.holdings()) ?? []
      const info = held.find((k) => hex(k.key) === wanted)
      if (info !== undefined) out.set(node.peerId, hex(info.digest))
    }
    return out
  }

  async stopAll(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.stop(i)
  }
}

/** Every key and value of a LevelDB (opened raw), for scanning. Only on a stopped node's directory. */
export async function rawLevelContents(dir: string): Promise<Buffer[]> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const out: Buffer[] = []
  try {
    for await (const [k, v] of db.iterator()) out.push(Buffer.from(k), Buffer.from(v))
  } finally {
    await db.close()
  }
  return out
}

export function shardDir(dataDir: string): string {
  return join(dataDir, 'shards')
}
