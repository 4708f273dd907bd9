// Routing overhead per hop (benchmark P1): an instant worker reached through
// 0, 1, 2 and 3 hops over loopback TCP, against a direct in-process call of
// the same worker and a raw libp2p echo over one connection, all measured in
// this run, round-robin so that machine noise hits every variant alike.
//
// Topology (every node in this process, TCP on 127.0.0.1):
//
//   A ──── C            1 hop:  A → C (C has the worker)
//   A ── D ── C         2 hops: A → D → C (D relays, knows only C)
//   A ── B ── D ── C    3 hops: A → B → D → C (B relays, knows only D)
//
// B is never connected to C and does not learn of it: nobody publishes
// adverts (timers off), so B's directory holds only what it fetched from its
// own neighbours plus one entry set up here saying "D serves chat" — the
// routing table a relay would have if D advertised the capacity it relays to.
// Each relay forwards with its real router over a real stream, so a 3-hop
// query crosses three libp2p connections and two relays' routers.
//
//   npx tsx scripts/bench/route.ts [--quick] [--n 2000]
import { lpStream } from '@libp2p/utils'
import type { RentahalNode } from '../../node/index.js'
import { arg, benchNode, chatRequest, emit, fmt, InstantAdapter, instantWorker, met, QUICK, ratio, type SummaryRow, timeInterleaved, waitFor } from './lib.js'

const N = arg('n', QUICK ? 50 : 2000)
const WARMUP = QUICK ? 10 : 200
const ECHO = '/bench/echo/1.0.0'
const P50_TARGET_MS = 1
const P99_TARGET_MS = 5

type BenchNode = Awaited<ReturnType<typeof benchNode>>
const tcpAddr = (n: RentahalNode) => n.libp2p.getMultiaddrs().find((m) => !m.toString().includes('/ws')) as never

const nodes: BenchNode[] = []
try {
  const make = async (options: Parameters<typeof benchNode>[0]): Promise<BenchNode> => {
    const node = await benchNode(options)
    nodes.push(node)
    return node
  }
  const a = await make({})
  const b = await make({ relay: true })
  const d = await make({ relay: true })
  const c = await make({ workers: [instantWorker(64)] })
  // Keep B and C apart: B's DHT may find and dial C, and B would then fetch C's advert.
  const isC = (p: { equals(o: unknown): boolean }): boolean => p.equals(c.libp2p.peerId)
  b.libp2p.addEventListener('peer:connect', (evt) => {
    if (isC(evt.detail)) void b.libp2p.hangUp(evt.detail).catch(() => undefined)
  })
  b.federation.directory.on('change', (peer) => {
    if (isC(peer)) b.federation.directory.remove(peer, 'kept apart by the benchmark')
  })
  for (const [x, y] of [
    [a, b],
    [a, c],
    [a, d],
    [b, d],
    [d, c]
  ] as const)
    await x.libp2p.dial(tcpAddr(y))
  // D learns C's advert by fetching it when they identify each other.
  await waitFor(() => d.federation.directory.providers('chat').some((e) => e.peerId.equals(c.libp2p.peerId)), 'D to know that C serves chat')
  // B's routing table: D serves chat (by relaying). A newer sequence than any advert D really sends.
  const cAdvert = c.federation.advertiser.build()
  const dAdvert = { ...d.federation.advertiser.build(), realms: cAdvert.realms, seq: BigInt(Number.MAX_SAFE_INTEGER) }
  b.federation.directory.ingest({ signer: d.libp2p.peerId, advert: dAdvert, bytes: new Uint8Array(0) })
  const chatAt = (n: BenchNode): string[] => n.federation.directory.providers('chat').map((e) => e.peerId.toString())
  if (chatAt(b).join() !== d.libp2p.peerId.toString()) throw new Error(`B must route only to D, knows ${chatAt(b).join(', ')}`)
  if (chatAt(d).join() !== c.libp2p.peerId.toString()) throw new Error(`D must route only to C, knows ${chatAt(d).join(', ')}`)

  // Baseline: raw libp2p echo of the same bytes on one stream of the A–C connection, reused like the router's pool.
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
    { maxInboundStreams: 64 }
  )
  const echoStream = lpStream(await a.libp2p.dialProtocol(c.libp2p.peerId, ECHO))
  const encoder = new TextEncoder()
  const adapter = new InstantAdapter()
  const signal = new AbortController().signal
  const opts = { signal, deadlineMs: 10_000 }
  const t = await timeInterleaved(N, WARMUP, {
    direct: (i) => adapter.run(chatRequest(i)),
    echo: async (i) => {
      await echoStream.write(encoder.encode(chatRequest(i).prompt))
      await echoStream.read()
    },
    hop0: (i) => c.federation.router.run(chatRequest(i)),
    hop1: (i) => a.federation.router.queryPeer(c.libp2p.peerId, chatRequest(i), opts),
    hop2: (i) => a.federation.router.queryPeer(d.libp2p.peerId, chatRequest(i), opts),
    hop3: async (i) => {
      const out = await a.federation.router.queryPeer(b.libp2p.peerId, chatRequest(i), opts)
      if (out.servedBy.worker !== 'instant') throw new Error(`3-hop query served by ${out.servedBy.worker}`)
    }
  })
  const s = (k: string) => t[k] as NonNullable<(typeof t)[string]>
  // The relays' routers count what they forwarded: B every 3-hop query, D every 2- and 3-hop one.
  const relayed = (n: BenchNode): number => n.realms.list().find((r) => r.queryType === 'chat')?.metrics.crossFederationQueries ?? 0
  const total = N + WARMUP
  if (relayed(b) !== total || relayed(d) !== 2 * total) throw new Error(`relays forwarded B ${relayed(b)}, D ${relayed(d)}; expected ${total}, ${2 * total}`)

  const details = [
    { measure: 'direct worker call (baseline)', p50: fmt(s('direct').p50), p99: fmt(s('direct').p99) },
    { measure: 'raw libp2p echo, one stream (baseline)', p50: fmt(s('echo').p50), p99: fmt(s('echo').p99) },
    { measure: 'router, 0 hops (local worker)', p50: fmt(s('hop0').p50), p99: fmt(s('hop0').p99) },
    { measure: 'router, 1 hop (A→C)', p50: fmt(s('hop1').p50), p99: fmt(s('hop1').p99) },
    { measure: 'router, 2 hops (A→D→C)', p50: fmt(s('hop2').p50), p99: fmt(s('hop2').p99) },
    { measure: 'router, 3 hops (A→B→D→C)', p50: fmt(s('hop3').p50), p99: fmt(s('hop3').p99) }
  ]
  const summary: SummaryRow[] = [1, 2, 3].map((h) => {
    const perP50 = (s(`hop${h}`).p50 - s('hop0').p50) / h
    const perP99 = (s(`hop${h}`).p99 - s('hop0').p99) / h
    return {
      benchmark: `routing overhead per hop, ${h} hop${h > 1 ? 's' : ''}`,
      result: `p50 ${fmt(perP50)}, p99 ${fmt(perP99)}`,
      baseline: `echo p50 ${fmt(s('echo').p50)}; direct ${fmt(s('direct').p50)}`,
      ratio: `${ratio(perP50, s('echo').p50)} echo`,
      target: `p50 ≤ ${P50_TARGET_MS} ms, p99 ≤ ${P99_TARGET_MS} ms`,
      status: met(perP50 <= P50_TARGET_MS && perP99 <= P99_TARGET_MS)
    }
  })
  emit({
    name: 'route',
    title: `Routing overhead per hop: loopback TCP, instant worker, ${N} sequential queries per variant, interleaved`,
    summary,
    details,
    notes: [
      'Overhead per hop = (latency at H hops − latency at 0 hops) / H, for p50 and for p99.',
      'Relays use their real router and query server; B routes to D and D to C because those are the only chat providers in their directories.',
      ...(summary.every((r) => r.status === 'met')
        ? []
        : [
            `What limits it: the p99 per hop compares the tails of two distributions, which GC pauses and scheduling on a busy machine dominate (the raw echo alone has p99 ${fmt(s('echo').p99)} here, ${ratio(s('echo').p99, s('echo').p50)} its median).`
          ])
    ]
  })
} finally {
  for (const n of nodes) await n.cleanup()
}
