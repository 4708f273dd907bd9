// Routing overhead per hop (issue 4 / benchmark P1): an instant worker reached
// through 0, 1 and 2 hops over loopback TCP, against a direct in-process call
// of the same worker and a raw libp2p echo over the same kind of connection,
// all measured in this run. Target: <= 1 ms p50 overhead per hop.
import { lpStream } from '@libp2p/utils'
import { createNode, defaultConfig, type RentahalNode, type WorkerConfig } from '../../node/index.js'
import type { RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from '../../node/workers/index.js'
import { fmt, QUICK, table, tempDir, timeEach } from './lib.js'

class InstantAdapter implements WorkerAdapter {
  readonly kind = 'legacy' as const
  async run(request: WorkerRequest, _options?: RunOptions): Promise<WorkerResult> {
    return { type: 'text', text: request.prompt }
  }
  async checkHealth(): Promise<number> {
    return 200
  }
}

const worker: WorkerConfig = { name: 'instant', kind: 'legacy', type: 'chat', url: 'http://127.0.0.1:9', models: [], capacity: 64 }
const request = (i: number): WorkerRequest => ({ queryType: 'chat', prompt: `query ${i} ${'x'.repeat(200)}`, modelType: 'worker_node', modelName: '' })

export async function benchRoute(n = QUICK ? 50 : 2000): Promise<Array<Record<string, string>>> {
  const dirs: Array<{ cleanup: () => Promise<void> }> = []
  const nodes: RentahalNode[] = []
  const make = async (workers: WorkerConfig[], relay = false): Promise<RentahalNode> => {
    const d = await tempDir()
    dirs.push(d)
    const config = defaultConfig()
    config.workers.healthCheckIntervalMs = 0
    for (const realm of config.realms) realm.maxQueueSize = 10_000
    const node = await createNode({
      config,
      dataDir: d.dir,
      http: false,
      p2p: { transport: 'tcp', host: '127.0.0.1', port: 0 },
      workers,
      createAdapter: () => new InstantAdapter(),
      healthChecks: false,
      queueTickMs: 0,
      federation: { timers: false, relay }
    })
    await node.start()
    nodes.push(node)
    return node
  }
  try {
    const a = await make([worker])
    const b = await make([], true)
    const c = await make([worker])
    const tcp = (n: RentahalNode) => n.libp2p.getMultiaddrs().find((m) => !m.toString().includes('/ws')) as never
    await a.libp2p.dial(tcp(b))
    await b.libp2p.dial(tcp(c))
    await a.libp2p.dial(tcp(c))
    await Promise.all(nodes.map((x) => x.federation.advertiser.publish()))
    // B must know C to relay to it.
    while (!b.federation.directory.has(c.libp2p.peerId)) await new Promise((r) => setTimeout(r, 20))

    // Baseline 1: the worker called directly.
    const adapter = new InstantAdapter()
    const direct = await timeEach(n, 100, (i) => adapter.run(request(i)))
    // Baseline 2: raw libp2p echo, a new stream per request on the A–C connection (as the router does).
    await c.libp2p.handle(
      '/bench/echo/1.0.0',
      async (stream) => {
        const lp = lpStream(stream)
        await lp.write(await lp.read())
        await stream.close()
      },
      { maxInboundStreams: 1024 }
    )
    const echo = await timeEach(n, 100, async (i) => {
      const stream = await a.libp2p.dialProtocol(c.libp2p.peerId, '/bench/echo/1.0.0', { negotiateFully: false })
      const lp = lpStream(stream)
      await lp.write(new TextEncoder().encode(request(i).prompt))
      await lp.read()
      await stream.close()
    })
    const signal = new AbortController().signal
    // 0 hops: A's router runs on A's own worker.
    const hop0 = await timeEach(n, 100, (i) => a.federation.router.run(request(i)))
    // 1 hop: A → C.
    const hop1 = await timeEach(n, 100, (i) => a.federation.router.queryPeer(c.libp2p.peerId, request(i), { signal, deadlineMs: 10_000 }))
    // 2 hops: A → B (relay, no workers) → C.
    const hop2 = await timeEach(n, 100, (i) => a.federation.router.queryPeer(b.libp2p.peerId, request(i), { signal, deadlineMs: 10_000 }))

    const perHop1 = hop1.p50 - hop0.p50
    const perHop2 = (hop2.p50 - hop0.p50) / 2
    const perHop1p99 = hop1.p99 - hop0.p99
    const perHop2p99 = (hop2.p99 - hop0.p99) / 2
    return [
      { measure: 'direct worker call (baseline)', p50: fmt(direct.p50), p99: fmt(direct.p99), 'vs raw echo': '-', target: '-' },
      { measure: 'raw libp2p echo, new stream (baseline)', p50: fmt(echo.p50), p99: fmt(echo.p99), 'vs raw echo': '1.00×', target: '-' },
      { measure: 'router, 0 hops (local worker)', p50: fmt(hop0.p50), p99: fmt(hop0.p99), 'vs raw echo': '-', target: '-' },
      { measure: 'router, 1 hop (A→C)', p50: fmt(hop1.p50), p99: fmt(hop1.p99), 'vs raw echo': `${(hop1.p50 / echo.p50).toFixed(2)}×`, target: '-' },
      { measure: 'router, 2 hops (A→B→C)', p50: fmt(hop2.p50), p99: fmt(hop2.p99), 'vs raw echo': `${(hop2.p50 / echo.p50).toFixed(2)}×`, target: '-' },
      {
        measure: 'overhead per hop (1 hop)',
        p50: fmt(perHop1),
        p99: fmt(perHop1p99),
        'vs raw echo': `${(perHop1 / echo.p50).toFixed(2)}×`,
        target: `p50 ≤ 1 ms: ${perHop1 <= 1 ? 'met' : 'MISSED'}; p99 ≤ 5 ms: ${perHop1p99 <= 5 ? 'met' : 'MISSED'}`
      },
      {
        measure: 'overhead per hop (2 hops)',
        p50: fmt(perHop2),
        p99: fmt(perHop2p99),
        'vs raw echo': `${(perHop2 / echo.p50).toFixed(2)}×`,
        target: `p50 ≤ 1 ms: ${perHop2 <= 1 ? 'met' : 'MISSED'}; p99 ≤ 5 ms: ${perHop2p99 <= 5 ? 'met' : 'MISSED'}`
      }
    ]
  } finally {
    await Promise.all(nodes.map((x) => x.stop()))
    await Promise.all(dirs.map((d) => d.cleanup()))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchRoute()
  console.log(`routing overhead per hop, loopback TCP, instant worker, n=${QUICK ? 50 : 2000} sequential queries each`)
  console.log(table(rows))
}
