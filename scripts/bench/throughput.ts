// Queries per second one node routes to a peer (benchmark P3): node A's
// router sends closed-loop queries with many in flight to node C (instant
// worker) over loopback TCP, against a raw libp2p request/response echo of the
// same bytes over the same connection with the same concurrency — each loop on
// its own reused stream (the best raw libp2p can do), and a fresh stream per
// request (what request/response protocols usually do). Runs alternate, and
// the median of the repetitions is reported. Both nodes share this process.
//
//   npx tsx scripts/bench/throughput.ts [--quick] [--concurrency 64] [--seconds 2] [--reps 5]
import { lpStream } from '@libp2p/utils'
import { arg, benchNode, chatRequest, closedLoop, emit, fmt, fmtRate, instantWorker, median, met, QUICK, waitFor } from './lib.js'

const CONCURRENCY = arg('concurrency', QUICK ? 16 : 64)
const SECONDS = arg('seconds', QUICK ? 0.5 : 2)
const REPS = arg('reps', QUICK ? 1 : 5)
const TARGET = 0.5
const ECHO = '/bench/echo/1.0.0'

const a = await benchNode({})
const c = await benchNode({ workers: [instantWorker(CONCURRENCY * 2)] })
try {
  await a.libp2p.dial(c.libp2p.getMultiaddrs().find((m) => !m.toString().includes('/ws')) as never)
  await waitFor(() => a.federation.directory.providers('chat').length > 0, 'A to know that C serves chat')
  await c.libp2p.handle(
    ECHO,
    async (stream) => {
      const lp = lpStream(stream)
      try {
        for (;;) await lp.write(await lp.read())
      } catch {
        stream.abort(new Error('echo done'))
      }
    },
    { maxInboundStreams: 1024, maxOutboundStreams: 1024 }
  )
  const encoder = new TextEncoder()
  const payload = (i: number): Uint8Array => encoder.encode(chatRequest(i).prompt)
  const reused = await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => lpStream(await a.libp2p.dialProtocol(c.libp2p.peerId, ECHO, { maxOutboundStreams: 1024 })))
  )
  let i = 0
  const variants = {
    'raw echo, reused streams': async (loop: number) => {
      const lp = reused[loop] as NonNullable<(typeof reused)[number]>
      await lp.write(payload(i++))
      await lp.read()
    },
    'raw echo, stream per request': async () => {
      const stream = await a.libp2p.dialProtocol(c.libp2p.peerId, ECHO, { negotiateFully: false, maxOutboundStreams: 1024 })
      const lp = lpStream(stream)
      await lp.write(payload(i++))
      await lp.read()
      await stream.close()
    },
    'router A→C': async () => {
      await a.federation.router.run(chatRequest(i++))
    }
  }
  type Name = keyof typeof variants
  const results: Record<Name, Array<Awaited<ReturnType<typeof closedLoop>>>> = {
    'raw echo, reused streams': [],
    'raw echo, stream per request': [],
    'router A→C': []
  }
  // Warm-up round, not counted.
  for (const fn of Object.values(variants)) await closedLoop(CONCURRENCY, Math.min(500, SECONDS * 1000), fn)
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, fn] of Object.entries(variants) as Array<[Name, (loop: number) => Promise<void>]>) {
      results[name].push(await closedLoop(CONCURRENCY, SECONDS * 1000, fn))
    }
  }
  const rate = (name: Name): number => median(results[name].map((r) => r.perSecond))
  const p50 = (name: Name): number => median(results[name].map((r) => r.latency.p50))
  const p99 = (name: Name): number => median(results[name].map((r) => r.latency.p99))
  const cpu = (name: Name): number => median(results[name].map((r) => r.cpuUsPerOp))
  const details = (Object.keys(results) as Name[]).map((name) => ({
    variant: name,
    'ops/s (median)': fmtRate(rate(name)),
    'all reps': results[name].map((r) => Math.round(r.perSecond)).join(', '),
    'latency p50': fmt(p50(name)),
    'latency p99': fmt(p99(name)),
    'CPU per op': `${cpu(name).toFixed(0)} µs`
  }))
  const base = rate('raw echo, reused streams')
  const routed = rate('router A→C')
  // The ratio of each rep's router run to the echo run just before it, then the median: runs next
  // to each other share the machine's state, so this holds up better on a noisy box than a ratio of medians.
  const paired = median(results['router A→C'].map((r, i) => r.perSecond / (results['raw echo, reused streams'][i]?.perSecond ?? Number.NaN)))
  emit({
    name: 'throughput',
    title: `Queries/s one node routes to a peer: loopback TCP, instant worker, ${CONCURRENCY} in flight, ${SECONDS} s × ${REPS} reps`,
    summary: [
      {
        benchmark: `routed queries/s to one peer (${CONCURRENCY} concurrent)`,
        result: `${fmtRate(routed, ' q/s')} (p99 ${fmt(p99('router A→C'))})`,
        baseline: `raw libp2p echo ${fmtRate(base, ' /s')}`,
        ratio: `${paired.toFixed(2)}×`,
        target: `≥ ${TARGET}×`,
        status: met(paired >= TARGET)
      }
    ],
    details,
    notes: [
      `Baseline = raw libp2p echo on ${CONCURRENCY} reused streams of the same connection; a fresh stream per request reaches ${fmtRate(rate('raw echo, stream per request'))}.`,
      'Both nodes and the load run in one process, so "CPU per op" covers both ends of a query.',
      "The query server coalesces a query's response frames written in one event-loop turn into one write: a fast worker's STARTED and RESULT cost one Noise frame and one socket write (0.34× the echo before, in the first run of this benchmark).",
      `Ratio: the median over reps of router ÷ echo within each rep (${results['router A→C'].map((r, i) => (r.perSecond / (results['raw echo, reused streams'][i]?.perSecond ?? Number.NaN)).toFixed(2)).join(', ')}).`,
      ...(paired >= TARGET
        ? []
        : [
            `What limits it: CPU. Both nodes and the load share this process's two cores, and a routed query costs ${cpu('router A→C').toFixed(0)} µs of CPU against ${cpu('raw echo, reused streams').toFixed(0)} µs for the echo. Both write the same number of socket writes per operation (the query server sends STARTED and RESULT of a fast worker in one write); the rest is the per-query work the echo does not do: protobuf frames, the realm queue, deadlines (one timer and abort signal per hop), metrics, and the garbage of all that (GC ~13% in a CPU profile).`
          ])
    ]
  })
} finally {
  await a.cleanup()
  await c.cleanup()
}
