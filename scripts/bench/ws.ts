// `/ws` query round trips per second (benchmark P12): clients send legacy
// `submit_query` messages to a node (child process, instant local worker) and
// wait for each `query_result`, against a bare `ws` echo server (another child
// process) answering the same messages, with the same clients and concurrency.
// The load generator is this process; runs alternate between the two servers
// and the median of the repetitions is reported.
//
//   npx tsx scripts/bench/ws.ts [--quick] [--clients 32] [--seconds 3] [--reps 3]
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { arg, closedLoop, emit, fmt, fmtRate, median, met, QUICK, ratio, rssOf, startChild } from './lib.js'

const CLIENTS = arg('clients', QUICK ? 4 : 32)
const SECONDS = arg('seconds', QUICK ? 0.5 : 3)
const REPS = arg('reps', QUICK ? 1 : 3)
const TARGET = 0.3
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))

/** A client that sends one message at a time and resolves on the reply that ends it. */
class RoundTripClient {
  private waiting?: () => void
  private constructor(
    private readonly socket: WebSocket,
    private readonly endsWith: string
  ) {
    socket.on('message', (data) => {
      // Legacy frames start with their type; a prefix check avoids parsing the broadcasts.
      if (this.waiting !== undefined && data.toString().startsWith(this.endsWith)) {
        const done = this.waiting
        this.waiting = undefined
        done()
      }
    })
  }

  /** Connect; `readyOn` is the frame prefix that ends the handshake (none for the echo server). */
  static async open(url: string, endsWith: string, readyOn?: string): Promise<RoundTripClient> {
    const socket = new WebSocket(url.replace(/^http/, 'ws'))
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      if (readyOn === undefined) socket.once('open', () => resolve())
      else {
        const onMessage = (data: Buffer): void => {
          if (data.toString().startsWith(readyOn)) {
            socket.off('message', onMessage)
            resolve()
          }
        }
        socket.on('message', onMessage)
      }
    })
    await ready
    return new RoundTripClient(socket, endsWith)
  }

  roundTrip(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve
      this.socket.send(text)
    })
  }

  close(): void {
    this.socket.terminate()
  }
}

const node = await startChild(here('./serve/ws-node.ts'))
const echo = await startChild(here('./serve/ws-echo.ts'))
const clients: RoundTripClient[] = []
try {
  const nodeUrl = `${node.ready.url as string}/ws`
  const echoUrl = echo.ready.url as string
  const nodeClients = await Promise.all(
    Array.from({ length: CLIENTS }, () => RoundTripClient.open(nodeUrl, '{"type":"query_result"', '{"type":"huggingface_update"'))
  )
  const echoClients = await Promise.all(Array.from({ length: CLIENTS }, () => RoundTripClient.open(echoUrl, '{"type":"submit_query"')))
  clients.push(...nodeClients, ...echoClients)
  let i = 0
  const message = (): string =>
    JSON.stringify({
      type: 'submit_query',
      query: { prompt: `query ${i++} ${'x'.repeat(200)}`, query_type: 'chat', model_type: 'worker_node', model_name: '' }
    })
  const variants = {
    'bare ws echo server': (loop: number) => (echoClients[loop] as RoundTripClient).roundTrip(message()),
    'node /ws submit_query → query_result': (loop: number) => (nodeClients[loop] as RoundTripClient).roundTrip(message())
  }
  type Name = keyof typeof variants
  const results: Record<Name, Array<Awaited<ReturnType<typeof closedLoop>>>> = { 'bare ws echo server': [], 'node /ws submit_query → query_result': [] }
  for (const fn of Object.values(variants)) await closedLoop(CLIENTS, Math.min(1000, SECONDS * 1000), fn)
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, fn] of Object.entries(variants) as Array<[Name, (loop: number) => Promise<void>]>)
      results[name].push(await closedLoop(CLIENTS, SECONDS * 1000, fn))
  }
  const rate = (name: Name): number => median(results[name].map((r) => r.perSecond))
  const p99 = (name: Name): number => median(results[name].map((r) => r.latency.p99))
  const details = (Object.keys(results) as Name[]).map((name) => ({
    server: name,
    'round trips/s (median)': fmtRate(rate(name)),
    'all reps': results[name].map((r) => Math.round(r.perSecond)).join(', '),
    'latency p50': fmt(median(results[name].map((r) => r.latency.p50))),
    'latency p99': fmt(p99(name))
  }))
  const base = rate('bare ws echo server')
  const ours = rate('node /ws submit_query → query_result')
  const nodeRss = await rssOf(node.pid)
  emit({
    name: 'ws',
    title: `/ws query round trips/s: ${CLIENTS} clients in closed loop, instant local worker, ${SECONDS} s × ${REPS} reps`,
    summary: [
      {
        benchmark: `/ws query round trips/s (${CLIENTS} clients)`,
        result: `${fmtRate(ours, ' q/s')} (p99 ${fmt(p99('node /ws submit_query → query_result'))})`,
        baseline: `bare ws echo ${fmtRate(base, ' /s')}`,
        ratio: ratio(ours, base),
        target: `≥ ${TARGET}×`,
        status: met(ours / base >= TARGET)
      }
    ],
    details,
    notes: [
      `Servers run in child processes, the clients in the benchmark process. Node RSS after the runs: ${(nodeRss / 1024 / 1024).toFixed(0)} MB.`,
      'Each query also makes the node broadcast two legacy `queue_update` frames to every connected client (legacy behaviour), which the echo server does not do.'
    ]
  })
} finally {
  for (const c of clients) c.close()
  await node.stop()
  await echo.stop()
}
