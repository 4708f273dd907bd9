// Replicated shard writes and reads (N=3, W=2, R=2, three in-process nodes on
// the memory transport) against raw LevelDB puts and gets measured in the same
// run on the same machine. Prints ops/s medians and their ratios.
//
//   npx tsx scripts/bench/shards.ts [--quick] [--ops 4000] [--concurrency 64] [--reps 5]
import '../../node/polyfill.js'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Level } from 'level'
import { createNode, defaultConfig, type RentahalNode } from '../../node/index.js'
import { sha256 } from '../../node/shards/keys.js'
import { ShardStore } from '../../node/shards/store.js'
import { arg, emit, fmtRate, median, met, QUICK, tempDir } from './lib.js'

const OPS = arg('ops', QUICK ? 200 : 4000)
const CONCURRENCY = arg('concurrency', QUICK ? 16 : 64)
const REPS = arg('reps', QUICK ? 1 : 5)
/** About the size of an encrypted history entry. */
const VALUE_BYTES = 256

interface Measure {
  opsPerSec: number
  /** Process CPU time (all threads: JS and LevelDB's) per operation, in microseconds. */
  cpuUsPerOp: number
}

async function run(ops: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Measure> {
  let next = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ops; i = next++) await op(i)
    })
  )
  const used = process.cpuUsage(cpu)
  return { opsPerSec: ops / ((performance.now() - started) / 1000), cpuUsPerOp: (used.user + used.system) / ops }
}

const cleanups: Array<() => Promise<void>> = []
async function dir(): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.cleanup)
  return d.dir
}

/** Why the write ratio is what it is (from a CPU profile of the write loop, see BENCHMARKS.md). */
const SHARDS_LIMIT = (write: number, put: number, merge: number): string =>
  `What limits it: CPU. The three nodes share this process, and a replicated write costs ${write.toFixed(0)} µs of CPU against ${put.toFixed(0)} µs for a raw put: ${merge.toFixed(0)} µs per replica merge (read the entry and record metadata, hash, batch-write both) times three, plus encoding, sending and decoding the PUT frames and their answers on two streams, quorum bookkeeping and the garbage of all that. The merges are already group-committed (merges arriving during a write share one LevelDB batch) and PUTs to a peer are pipelined and coalesced into shared frames. On three machines each node would pay a third of this; in one process 0.25× of an un-replicated put would need a replica merge cheaper than a raw put.`

async function main(): Promise<void> {
  const value = new Uint8Array(randomBytes(VALUE_BYTES))
  // Baseline: raw LevelDB on this disk, same value size and concurrency.
  const raw = new Level<string, Uint8Array>(await dir(), { valueEncoding: 'view' })
  await raw.open()
  // One replica's store on its own: what each replica pays per write, without the network.
  const local = await ShardStore.open(join(await dir(), 'shards'))

  const nodes: RentahalNode[] = []
  for (let i = 0; i < 3; i++) {
    const config = defaultConfig()
    config.workers.healthCheckIntervalMs = 0
    config.sharding = { enabled: true, replication: 3, writeQuorum: 2, readQuorum: 2 }
    const node = await createNode({
      config,
      dataDir: await dir(),
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

  const rows: Record<string, Measure[]> = { 'raw put': [], 'raw get': [], 'local merge': [], 'replicated write': [], 'replicated read': [] }
  for (let rep = 0; rep < REPS + 1; rep++) {
    const keys = Array.from({ length: OPS }, (_, i) => sha256(`bench ${rep} ${i}`))
    const results = {
      'raw put': await run(OPS, CONCURRENCY, (i) => raw.put(`${rep}!${i}`, value)),
      'raw get': await run(OPS, CONCURRENCY, (i) => raw.get(`${rep}!${i}`)),
      'local merge': await run(OPS, CONCURRENCY, (i) => local.merge([{ key: sha256(`local ${rep} ${i}`), entries: [{ id: 'h/0001', version: 0n, value }] }])),
      'replicated write': await run(OPS, CONCURRENCY, (i) => shards.write(keys[i] as Uint8Array, [{ id: 'h/0001', version: 0n, value }])),
      'replicated read': await run(OPS, CONCURRENCY, (i) => shards.read({ key: keys[i] as Uint8Array, prefix: 'h/' }))
    }
    // The first round warms up JIT, streams and LevelDB; it is not counted.
    if (rep > 0) for (const [k, v] of Object.entries(results)) rows[k]?.push(v)
  }

  const ops = (k: string): number => median((rows[k] ?? []).map((r) => r.opsPerSec))
  const cpu = (k: string): number => median((rows[k] ?? []).map((r) => r.cpuUsPerOp))
  console.log(
    `shards bench: ${OPS} ops x ${REPS} reps, concurrency ${CONCURRENCY}, ${VALUE_BYTES}-byte values, N=3 W=2 R=2, 3 nodes in this process, memory transport, node ${process.version}`
  )
  for (const [k, v] of Object.entries(rows)) {
    const all = v.map((r) => r.opsPerSec)
    console.log(
      `  ${k.padEnd(17)} median ${Math.round(ops(k)).toString().padStart(7)} ops/s  (min ${Math.round(Math.min(...all))}, max ${Math.round(Math.max(...all))})  CPU ${cpu(k).toFixed(1)} us/op`
    )
  }
  console.log(
    `  local merge / raw put  ${(ops('local merge') / ops('raw put')).toFixed(2)}x ops/s, ${(cpu('local merge') / cpu('raw put')).toFixed(1)}x CPU per op`
  )
  console.log(
    `  write / raw put  ${(ops('replicated write') / ops('raw put')).toFixed(2)}x ops/s (target >= 0.25x), ${(cpu('replicated write') / cpu('raw put')).toFixed(1)}x CPU per op`
  )
  console.log(
    `  read  / raw get  ${(ops('replicated read') / ops('raw get')).toFixed(2)}x ops/s, ${(cpu('replicated read') / cpu('raw get')).toFixed(1)}x CPU per op`
  )

  const writeRatio = ops('replicated write') / ops('raw put')
  emit({
    name: 'shards',
    title: `Replicated shard writes and reads: N=3 W=2 R=2, 3 nodes in one process (memory transport), ${VALUE_BYTES}-byte values, ${CONCURRENCY} in flight, ${OPS} ops × ${REPS} reps`,
    summary: [
      {
        benchmark: 'replicated shard write (N=3, W=2)',
        result: fmtRate(ops('replicated write'), ' ops/s'),
        baseline: `raw LevelDB put ${fmtRate(ops('raw put'), ' ops/s')}`,
        ratio: `${writeRatio.toFixed(2)}×`,
        target: '≥ 0.25× put',
        status: met(writeRatio >= 0.25)
      },
      {
        benchmark: 'replicated shard read (R=2)',
        result: fmtRate(ops('replicated read'), ' ops/s'),
        baseline: `raw LevelDB get ${fmtRate(ops('raw get'), ' ops/s')}`,
        ratio: `${(ops('replicated read') / ops('raw get')).toFixed(2)}×`,
        target: 'report',
        status: 'report'
      }
    ],
    details: Object.keys(rows).map((k) => ({
      operation: k,
      'ops/s (median)': fmtRate(ops(k)),
      'all reps': (rows[k] ?? []).map((r) => Math.round(r.opsPerSec)).join(', '),
      'CPU per op (all threads)': `${cpu(k).toFixed(0)} µs`
    })),
    notes: [
      '"local merge" is one replica\'s store on its own (ShardStore.merge, no network): what each replica pays per write.',
      "A replicated write is three replicas' merges (the writer holds one, when it is an owner) and two protocol round trips to the others, all on this one event loop; the baseline is one LevelDB put.",
      ...(writeRatio >= 0.25 ? [] : [SHARDS_LIMIT(cpu('replicated write'), cpu('raw put'), cpu('local merge'))])
    ]
  })

  for (const node of nodes) await node.stop()
  await raw.close()
  await local.close()
  await Promise.all(cleanups.map((c) => c()))
}

await main()
