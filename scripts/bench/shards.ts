// Replicated shard writes and reads (N=3, W=2, R=2, three in-process nodes on
// the memory transport) against raw LevelDB puts and gets measured in the same
// run on the same machine. Prints ops/s medians and their ratios.
//
//   npx tsx scripts/bench/shards.ts [--ops 4000] [--concurrency 64] [--reps 5]
import '../../node/polyfill.js'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Level } from 'level'
import { createNode, defaultConfig, type RentahalNode } from '../../node/index.js'
import { sha256 } from '../../node/shards/keys.js'

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '64' }, reps: { type: 'string', default: '5' } }
})
const OPS = Number(values.ops)
const CONCURRENCY = Number(values.concurrency)
const REPS = Number(values.reps)
/** About the size of an encrypted history entry. */
const VALUE_BYTES = 256

async function run(ops: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ops; i = next++) await op(i)
    })
  )
  return ops / ((performance.now() - started) / 1000)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

const dirs: string[] = []
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'rentahal-bench-'))
  dirs.push(d)
  return d
}

async function main(): Promise<void> {
  const value = new Uint8Array(randomBytes(VALUE_BYTES))
  // Baseline: raw LevelDB on this disk, same value size and concurrency.
  const raw = new Level<string, Uint8Array>(await tempDir(), { valueEncoding: 'view' })
  await raw.open()

  const nodes: RentahalNode[] = []
  for (let i = 0; i < 3; i++) {
    const config = defaultConfig()
    config.workers.healthCheckIntervalMs = 0
    config.sharding = { enabled: true, replication: 3, writeQuorum: 2, readQuorum: 2 }
    const node = await createNode({
      config,
      dataDir: await tempDir(),
      http: false,
      p2p: { transport: 'memory' },
      queueTickMs: 0,
      healthChecks: false,
      shards: { antiEntropyIntervalMs: 0, repairDelayMs: 0 }
    })
    await node.start()
    nodes.push(node)
  }
  for (const a of nodes)
    for (const b of nodes) if (a !== b && a.libp2p.getConnections(b.libp2p.peerId).length === 0) await a.libp2p.dial(b.libp2p.getMultiaddrs())
  const deadline = performance.now() + 10_000
  while (nodes.some((n) => (n.shards?.storagePeers().length ?? 0) < 2)) {
    if (performance.now() > deadline) throw new Error('nodes did not see each other as storage peers')
    await new Promise((r) => setTimeout(r, 10))
  }
  const shards = nodes[0]?.shards
  if (shards === undefined) throw new Error('sharding is off')

  const rows: Record<string, number[]> = { 'raw put': [], 'raw get': [], 'replicated write': [], 'replicated read': [] }
  for (let rep = 0; rep < REPS + 1; rep++) {
    const keys = Array.from({ length: OPS }, (_, i) => sha256(`bench ${rep} ${i}`))
    const results = {
      'raw put': await run(OPS, CONCURRENCY, (i) => raw.put(`${rep}!${i}`, value)),
      'raw get': await run(OPS, CONCURRENCY, (i) => raw.get(`${rep}!${i}`)),
      'replicated write': await run(OPS, CONCURRENCY, (i) => shards.write(keys[i] as Uint8Array, [{ id: 'h/0001', version: 0n, value }])),
      'replicated read': await run(OPS, CONCURRENCY, (i) => shards.read({ key: keys[i] as Uint8Array, prefix: 'h/' }))
    }
    // The first round warms up JIT, streams and LevelDB; it is not counted.
    if (rep > 0) for (const [k, v] of Object.entries(results)) rows[k]?.push(v)
  }

  const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<string, number>
  console.log(
    `shards bench: ${OPS} ops x ${REPS} reps, concurrency ${CONCURRENCY}, ${VALUE_BYTES}-byte values, N=3 W=2 R=2, memory transport, node ${process.version}`
  )
  for (const [k, v] of Object.entries(rows)) {
    console.log(
      `  ${k.padEnd(17)} median ${Math.round(m[k] as number)
        .toString()
        .padStart(7)} ops/s  (min ${Math.round(Math.min(...v))}, max ${Math.round(Math.max(...v))})`
    )
  }
  console.log(`  write / raw put  ${((m['replicated write'] as number) / (m['raw put'] as number)).toFixed(2)}x  (target >= 0.25x)`)
  console.log(`  read  / raw get  ${((m['replicated read'] as number) / (m['raw get'] as number)).toFixed(2)}x`)

  for (const node of nodes) await node.stop()
  await raw.close()
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
}

await main()
