// Many idle `/ws` clients and the fan-out latency of `queue_update`
// (benchmark P12 at scale): N clients complete the legacy handshake with a
// node (child process, instant worker) and stay idle; then one more client
// submits a query, which makes the node broadcast `queue_update` to everyone.
// Latency = from sending `submit_query` to each client's receipt of the
// broadcast, over several rounds. The node's RSS is read from /proc.
// Baseline, same run, same clients: a bare `ws` server (child process) that
// broadcasts the same frame to all of them when asked — the floor that one
// write per client sets on this machine.
//
// The idle clients are minimal WebSocket clients on raw sockets (handshake,
// frame parsing, pong), so that 10,000 of them fit in this process and the
// client side adds little to the measured latency. Needs `ulimit -n` above N
// in this process and in the node: the script raises the soft limit to the
// hard limit by re-running itself through `sh -c 'ulimit -n …'` when needed.
//
//   npx tsx scripts/bench/ws-fanout.ts [--quick] [--clients 10000] [--rounds 5]
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { arg, type Child, emit, fmt, fmtBytes, met, QUICK, rssOf, startChild, stats, track, waitFor } from './lib.js'

const WANTED = arg('clients', QUICK ? 50 : 10_000)
const ROUNDS = arg('rounds', QUICK ? 2 : 5)
const CONNECT_PARALLEL = 200
const P99_TARGET_MS = 100
const FD_HEADROOM = 512
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))

/** Soft and hard `ulimit -n` of this process. */
function fdLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3)
  const num = (s: string | undefined): number => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s))
  return { soft: num(soft), hard: num(hard) }
}

// Raise the descriptor limit (children inherit it) by re-running under a shell that sets it.
const limits = fdLimits()
if (limits.soft < WANTED + FD_HEADROOM && limits.hard > limits.soft && process.env.RENTAHAL_FANOUT_ULIMIT === undefined) {
  const target = Number.isFinite(limits.hard) ? String(limits.hard) : 'unlimited'
  const child = spawn('sh', ['-c', `ulimit -n ${target} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RENTAHAL_FANOUT_ULIMIT: target }
  })
  track(child)
  process.exit(await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1))))
}
const CLIENTS = Math.min(WANTED, fdLimits().soft - FD_HEADROOM)

/** A minimal WebSocket client: upgrade, unmasked server frames, masked pongs. Notes when queue_update frames arrive. */
class IdleClient {
  private pending: Buffer | undefined
  private upgraded = false
  private ready = false
  /** Arrival time (performance.now()) of the first queue_update since the last arm(), or -1. */
  firstUpdateAt = -1
  updates = 0
  private readonly socket: Socket

  private constructor(
    port: number,
    /** Frame prefix that ends the server's handshake; none: ready once upgraded. */
    private readonly readyOn: string | undefined,
    private readonly onReady: () => void,
    private readonly onFail: (err: Error) => void
  ) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true })
    this.socket.on('connect', () => {
      const key = randomBytes(16).toString('base64')
      this.socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
      )
    })
    this.socket.on('data', (chunk) => this.onData(chunk))
    this.socket.on('error', (err) => this.onFail(err))
    this.socket.on('close', () => {
      if (!this.ready) this.onFail(new Error('closed before the handshake finished'))
    })
  }

  static open(port: number, readyOn: string | undefined): Promise<IdleClient> {
    return new Promise((resolve, reject) => {
      const client: IdleClient = new IdleClient(port, readyOn, () => resolve(client), reject)
    })
  }

  arm(): void {
    this.firstUpdateAt = -1
  }

  close(): void {
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    const now = performance.now()
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = undefined
    if (!this.upgraded) {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        this.pending = buf
        return
      }
      if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
        this.onFail(new Error(`upgrade refused: ${buf.subarray(0, buf.indexOf('\r\n')).toString()}`))
        this.socket.destroy()
        return
      }
      this.upgraded = true
      buf = buf.subarray(end + 4)
      if (this.readyOn === undefined) {
        this.ready = true
        this.onReady()
      }
    }
    let at = 0
    while (buf.length - at >= 2) {
      const opcode = (buf[at] as number) & 0x0f
      let len = (buf[at + 1] as number) & 0x7f
      let head = 2
      if (len === 126) {
        if (buf.length - at < 4) break
        len = buf.readUInt16BE(at + 2)
        head = 4
      } else if (len === 127) {
        if (buf.length - at < 10) break
        len = Number(buf.readBigUInt64BE(at + 2))
        head = 10
      }
      if (buf.length - at < head + len) break
      const payload = buf.subarray(at + head, at + head + len)
      at += head + len
      if (opcode === 0x1) this.onText(payload, now)
      else if (opcode === 0x9) this.pong(payload)
    }
    if (at < buf.length) this.pending = buf.subarray(at)
  }

  private onText(payload: Buffer, now: number): void {
    // Legacy frames start with their type: a prefix check instead of JSON.parse.
    if (payload.subarray(0, 22).toString() === '{"type":"queue_update"') {
      this.updates++
      if (this.firstUpdateAt < 0) this.firstUpdateAt = now
    } else if (!this.ready && this.readyOn !== undefined && payload.subarray(0, this.readyOn.length).toString() === this.readyOn) {
      this.ready = true
      this.onReady()
    }
  }

  private pong(payload: Buffer): void {
    const mask = randomBytes(4)
    const masked = Buffer.alloc(payload.length)
    for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number)
    this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length]), mask, masked]))
  }
}

interface FanoutResult {
  connected: number
  failed: number
  failures: string[]
  connectMs: number
  latencies: number[]
  missing: number
  rssBefore: number
  rssConnected: number
  rssAfter: number
  /** Server side: ms to hand one queue_update to every socket, per broadcast to the full crowd. */
  serverMs: number[]
}

/**
 * Connect CLIENTS idle clients to a server (child process), then run rounds:
 * the trigger client sends `message(round)`; every idle client notes when the
 * next queue_update arrives; the round ends when `roundDone` says so and the
 * broadcasts have drained.
 */
async function fanout(server: Child, options: { readyOn?: string; message: (round: number) => string; endsRound: string }): Promise<FanoutResult> {
  const clients: IdleClient[] = []
  let trigger: WebSocket | undefined
  try {
    const url = server.ready.url as string
    const port = Number(new URL(url).port)
    const rssBefore = await rssOf(server.pid)
    const connectStarted = performance.now()
    let failed = 0
    const failures: string[] = []
    let next = 0
    await Promise.all(
      Array.from({ length: CONNECT_PARALLEL }, async () => {
        while (next < CLIENTS) {
          next++
          try {
            clients.push(await IdleClient.open(port, options.readyOn))
          } catch (err) {
            failed++
            if (failures.length < 3) failures.push((err as Error).message)
          }
        }
      })
    )
    const connectMs = performance.now() - connectStarted
    const rssConnected = await rssOf(server.pid)
    trigger = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`)
    const ends: number[] = []
    trigger.on('message', (data) => {
      if (data.toString().startsWith(options.endsRound)) ends.push(performance.now())
    })
    await new Promise((resolve, reject) => {
      trigger?.once('open', resolve)
      trigger?.once('error', reject)
    })
    const latencies: number[] = []
    let missing = 0
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const c of clients) c.arm()
      const sentAt = performance.now()
      trigger.send(options.message(round))
      await waitFor(() => ends.length > round, `the end of round ${round}`, 60_000)
      try {
        await waitFor(() => clients.every((c) => c.firstUpdateAt >= 0), `queue_update at all ${clients.length} clients in round ${round}`, 30_000, 5)
      } catch {
        // Counted below as broadcasts that never arrived.
      }
      // Let the round's other broadcasts (the node sends a second one after the result) drain.
      let settled = clients.reduce((s, c) => s + c.updates, 0)
      for (;;) {
        await new Promise((r) => setTimeout(r, 100))
        const now = clients.reduce((s, c) => s + c.updates, 0)
        if (now === settled) break
        settled = now
      }
      // Round 0 warms up the path; it is not counted.
      if (round === 0) continue
      for (const c of clients) {
        if (c.firstUpdateAt < 0) missing++
        else latencies.push(c.firstUpdateAt - sentAt)
      }
    }
    const serverMs = server.events
      .filter((e) => typeof e.broadcastMs === 'number' && (e.clients as number) >= clients.length)
      .map((e) => e.broadcastMs as number)
    return { connected: clients.length, failed, failures, connectMs, latencies, missing, rssBefore, rssConnected, rssAfter: await rssOf(server.pid), serverMs }
  } finally {
    trigger?.terminate()
    for (const c of clients) c.close()
  }
}

// Baseline first, then the node; never both crowds at once (descriptor limits).
const echo = await startChild(here('./serve/ws-echo.ts'))
let base: FanoutResult
try {
  base = await fanout(echo, { message: () => JSON.stringify({ type: 'broadcast' }), endsRound: '{"type":"queue_update"' })
} finally {
  await echo.stop()
}
const node = await startChild(here('./serve/ws-node.ts'))
let ours: FanoutResult
try {
  ours = await fanout(node, {
    readyOn: '{"type":"huggingface_update"',
    message: (round) =>
      JSON.stringify({ type: 'submit_query', query: { prompt: `round ${round}`, query_type: 'chat', model_type: 'worker_node', model_name: '' } }),
    endsRound: '{"type":"query_result"'
  })
} finally {
  await node.stop()
}
const s = stats(ours.latencies)
const b = stats(base.latencies)
const allConnected = ours.failed === 0 && ours.connected === WANTED
const sv = stats(ours.serverMs.length > 0 ? ours.serverMs : [Number.NaN])
const bv = stats(base.serverMs.length > 0 ? base.serverMs : [Number.NaN])
const perClient = (ours.rssConnected - ours.rssBefore) / Math.max(1, ours.connected)
emit({
  name: 'ws-fanout',
  title: `${ours.connected.toLocaleString('en-US')} idle /ws clients and queue_update fan-out, ${ROUNDS} rounds`,
  summary: [
    {
      benchmark: `${WANTED.toLocaleString('en-US')} idle /ws clients: all connected`,
      result: `${ours.connected.toLocaleString('en-US')} in ${(ours.connectMs / 1000).toFixed(1)} s, ${ours.failed} failed`,
      baseline: `bare ws: ${(base.connectMs / 1000).toFixed(1)} s`,
      ratio: '-',
      target: `all ${WANTED.toLocaleString('en-US')}`,
      status: met(allConnected)
    },
    {
      benchmark: 'queue_update fan-out latency',
      result: `p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}`,
      baseline: `bare ws broadcast p50 ${fmt(b.p50)}, p99 ${fmt(b.p99)}`,
      ratio: `${(s.p99 / b.p99).toFixed(2)}× (p99)`,
      target: `p99 ≤ ${P99_TARGET_MS} ms, none lost`,
      status: met(s.p99 <= P99_TARGET_MS && ours.missing === 0 && allConnected)
    },
    {
      benchmark: 'queue_update fan-out, server side (all frames handed to sockets)',
      result: `median ${fmt(sv.p50)}, max ${fmt(sv.max)}`,
      baseline: `bare ws median ${fmt(bv.p50)}, max ${fmt(bv.max)}`,
      ratio: `${(sv.p50 / bv.p50).toFixed(2)}× (median)`,
      target: 'report',
      status: 'report'
    },
    {
      benchmark: 'node RSS with the idle clients',
      result: `${fmtBytes(ours.rssConnected)} (+${fmtBytes(perClient)}/client)`,
      baseline: `${fmtBytes(ours.rssBefore)} before`,
      ratio: '-',
      target: 'report',
      status: 'report'
    }
  ],
  details: [
    { measure: 'clients connected (handshake done)', node: `${ours.connected} of ${WANTED}`, 'bare ws': `${base.connected} of ${WANTED}` },
    {
      measure: 'failed connections',
      node: `${ours.failed}${ours.failures.length > 0 ? ` (${ours.failures.join('; ')})` : ''}`,
      'bare ws': `${base.failed}${base.failures.length > 0 ? ` (${base.failures.join('; ')})` : ''}`
    },
    {
      measure: `time to connect all (${CONNECT_PARALLEL} in flight)`,
      node: `${(ours.connectMs / 1000).toFixed(2)} s`,
      'bare ws': `${(base.connectMs / 1000).toFixed(2)} s`
    },
    { measure: 'fan-out samples (never arrived)', node: `${ours.latencies.length} (${ours.missing})`, 'bare ws': `${base.latencies.length} (${base.missing})` },
    {
      measure: 'server side: one broadcast to all, median / max (broadcasts)',
      node: `${fmt(sv.p50)} / ${fmt(sv.max)} (${ours.serverMs.length})`,
      'bare ws': `${fmt(bv.p50)} / ${fmt(bv.max)} (${base.serverMs.length})`
    },
    { measure: 'fan-out p50 / p99 / max', node: `${fmt(s.p50)} / ${fmt(s.p99)} / ${fmt(s.max)}`, 'bare ws': `${fmt(b.p50)} / ${fmt(b.p99)} / ${fmt(b.max)}` },
    {
      measure: 'server RSS: before / connected / after rounds',
      node: `${fmtBytes(ours.rssBefore)} / ${fmtBytes(ours.rssConnected)} / ${fmtBytes(ours.rssAfter)}`,
      'bare ws': `${fmtBytes(base.rssBefore)} / ${fmtBytes(base.rssConnected)} / ${fmtBytes(base.rssAfter)}`
    }
  ],
  notes: [
    CLIENTS < WANTED ? `Only ${CLIENTS} clients: ulimit -n is ${fdLimits().soft} (raise the hard limit to run ${WANTED}).` : '',
    'Latency is measured where the clients receive the frame, in this process; the bare ws baseline pays the same client-side cost.',
    s.p99 <= P99_TARGET_MS
      ? ''
      : `What limits it: one socket write per client per frame. The node's own part, handing one broadcast to all ${ours.connected.toLocaleString('en-US')} sockets, takes ${fmt(sv.p50)} (median; ~${((sv.p50 * 1000) / Math.max(1, ours.connected)).toFixed(0)} µs per socket, one write syscall each; the bare ws server ${fmt(bv.p50)}), so on this machine even the server side alone is above 100 ms; the clients, all in this one process on the same 2 cores, then read the sockets one event at a time. The bare ws baseline misses the target too (p99 ${fmt(b.p99)}). The hub already encodes each frame once and sends the same buffer to every socket; 100 ms at 10,000 clients needs faster writes per socket than this box gives or the sockets spread over more cores (several node processes behind one port).`,
    'No sysop is connected (a sysop gets the full active_users list on every join), and the idle 1 Hz queue_update tick is off so that each round measures one broadcast.'
  ].filter((n) => n !== '')
})
