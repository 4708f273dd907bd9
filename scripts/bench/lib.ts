// Shared helpers for benchmarks: timing, percentiles, tables, report rows,
// child processes and the machine description. Never imported by node/.
import '../../node/polyfill.js'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createNode, defaultConfig, type NodeConfig, type NodeInit, type RentahalNode, type WorkerConfig } from '../../node/index.js'
import type { RunOptions, WorkerAdapter, WorkerRequest, WorkerResult } from '../../node/workers/index.js'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

export interface Stats {
  n: number
  p50: number
  p99: number
  mean: number
  max: number
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50
  )
}

/**
 * Time several variants round-robin (one call of each per round), so that
 * machine noise hits every variant alike. Returns ms per call for each.
 */
export async function timeInterleaved(n: number, warmup: number, fns: Record<string, (i: number) => Promise<unknown>>): Promise<Record<string, Stats>> {
  const names = Object.keys(fns)
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]))
  for (let i = 0; i < warmup + n; i++) {
    for (const name of names) {
      const t = performance.now()
      await (fns[name] as (i: number) => Promise<unknown>)(i)
      if (i >= warmup) samples[name]?.push(performance.now() - t)
    }
  }
  return Object.fromEntries(names.map((k) => [k, stats(samples[k] ?? [])]))
}

/**
 * Closed-loop load: `concurrency` loops each run `fn` back to back until
 * `durationMs` has passed. Returns completed calls per second and the latency
 * of each call (ms).
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  fn: (loop: number) => Promise<unknown>
): Promise<{ perSecond: number; latency: Stats; cpuUsPerOp: number; ops: number }> {
  const latencies: number[] = []
  const cpu = process.cpuUsage()
  const started = performance.now()
  const end = started + durationMs
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (performance.now() < end) {
        const t = performance.now()
        await fn(loop)
        latencies.push(performance.now() - t)
      }
    })
  )
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  return {
    perSecond: latencies.length / (elapsed / 1000),
    latency: stats(latencies),
    cpuUsPerOp: (used.user + used.system) / Math.max(1, latencies.length),
    ops: latencies.length
  }
}

export const fmt = (ms: number): string =>
  Number.isNaN(ms) ? '-' : Math.abs(ms) < 1 ? `${(ms * 1000).toFixed(0)} µs` : Math.abs(ms) < 1000 ? `${ms.toFixed(2)} ms` : `${(ms / 1000).toFixed(2)} s`
export const fmtRate = (perSecond: number, unit = '/s'): string => `${Math.round(perSecond).toLocaleString('en-US')}${unit}`
export const fmtBytes = (bytes: number): string =>
  Math.abs(bytes) >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`
export const ratio = (x: number, base: number): string => `${(x / base).toFixed(2)}×`

export function table(rows: Array<Record<string, string>>): string {
  const cols = Object.keys(rows[0] ?? {})
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n')
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rentahal-bench-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** `--quick` makes every benchmark tiny (the smoke test uses it). */
export const QUICK = process.argv.includes('--quick')

/** `--name value` from argv, or the fallback. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = Number(process.argv[i + 1])
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`)
  return v
}

// ---------------------------------------------------------------------------
// Report rows: every script emits summary rows in one shape, and run-all.ts
// collects them into BENCHMARKS.md.

export type Status = 'met' | 'MISSED' | 'report' | 'n/a'

export interface SummaryRow {
  benchmark: string
  /** Median and p99, or ops/s. */
  result: string
  baseline: string
  ratio: string
  target: string
  status: Status
}

export interface BenchReport {
  /** Script name (file without .ts). */
  name: string
  title: string
  summary: SummaryRow[]
  /** The script's own detailed table. */
  details: Array<Record<string, string>>
  notes: string[]
}

export const met = (ok: boolean): Status => (ok ? 'met' : 'MISSED')

/** Environment variable run-all.ts sets to collect a script's report as JSON. */
export const REPORT_ENV = 'RENTAHAL_BENCH_REPORT'

/** Print a script's tables; when run by run-all.ts also hand the report over as JSON. */
export function emit(report: BenchReport): void {
  console.log(`\n== ${report.title}${QUICK ? ' (--quick)' : ''}`)
  if (report.details.length > 0) console.log(table(report.details))
  console.log(table(report.summary.map(summaryCells)))
  for (const note of report.notes) console.log(`note: ${note}`)
  const out = process.env[REPORT_ENV]
  if (out !== undefined && out !== '') writeFileSync(out, JSON.stringify(report, null, 2))
}

export function summaryCells(r: SummaryRow): Record<string, string> {
  return { benchmark: r.benchmark, result: r.result, baseline: r.baseline, ratio: r.ratio, target: r.target, status: r.status }
}

/** CPU model, cores, RAM, Node version: the machine line of BENCHMARKS.md. */
export function machine(): string {
  const cpu = cpus()
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`
}

// ---------------------------------------------------------------------------
// Nodes and workers for benchmarks.

/** A worker that answers at once with the prompt: routing cost only. */
export class InstantAdapter implements WorkerAdapter {
  readonly kind = 'legacy' as const
  async run(request: WorkerRequest, _options?: RunOptions): Promise<WorkerResult> {
    return { type: 'text', text: request.prompt }
  }
  async checkHealth(): Promise<number> {
    return 200
  }
}

export const instantWorker = (capacity = 256, name = 'instant'): WorkerConfig => ({
  name,
  kind: 'legacy',
  type: 'chat',
  url: 'http://127.0.0.1:9',
  models: [],
  capacity
})

export const chatRequest = (i: number, size = 200): WorkerRequest => ({
  queryType: 'chat',
  prompt: `query ${i} ${'x'.repeat(size)}`,
  modelType: 'worker_node',
  modelName: ''
})

export interface BenchNodeOptions {
  workers?: WorkerConfig[]
  transport?: 'tcp' | 'memory'
  http?: boolean
  /** Federation timers (adverts, expiry); off unless a benchmark measures propagation. */
  timers?: boolean
  relay?: boolean
  configure?: (config: NodeConfig) => void
  init?: Partial<NodeInit>
}

/** Config with gateway limits out of the way of load benchmarks, and large queues. */
export function benchConfig(): NodeConfig {
  const config = defaultConfig()
  config.workers.healthCheckIntervalMs = 0
  config.workers.builtinOcr = false
  for (const realm of config.realms) realm.maxQueueSize = 100_000
  config.gateway.restRateLimitPerMinute = 0
  config.gateway.wsMessagesPerSecond = 0
  config.gateway.wsConnectionsPerIp = 0
  return config
}

/** A started node with instant workers, in a temp data dir removed by `stop()`. */
export async function benchNode(options: BenchNodeOptions = {}): Promise<RentahalNode & { cleanup(): Promise<void> }> {
  const d = await tempDir()
  const config = benchConfig()
  options.configure?.(config)
  const node = await createNode({
    config,
    dataDir: d.dir,
    http: options.http === true ? { host: '127.0.0.1', port: 0 } : false,
    p2p: { transport: options.transport ?? 'tcp', host: '127.0.0.1', port: 0 },
    workers: options.workers ?? [],
    createAdapter: () => new InstantAdapter(),
    healthChecks: false,
    queueTickMs: 0,
    federation: { timers: options.timers === true, relay: options.relay },
    ...options.init
  })
  await node.start()
  return Object.assign(node, {
    cleanup: async () => {
      await node.stop()
      await d.cleanup()
    }
  })
}

/** Poll until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Deterministic PRNG (mulberry32): the same seed gives the same topology every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---------------------------------------------------------------------------
// Child processes: a server or node measured apart from the load generator.

/** Every child still running; killed when this process exits, however it exits short of SIGKILL. */
const children = new Set<ChildProcess>()
export function track(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
}
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

/** Resident set size of a process, bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kb) * 1024
}

export interface Child {
  process: ChildProcess
  pid: number
  /** The JSON the child printed on its `READY` line. */
  ready: Record<string, unknown>
  /** Further `EVENT {json}` lines the child printed. */
  events: Array<Record<string, unknown>>
  /** Close the child's stdin (its signal to stop) and wait for it to exit. */
  stop(): Promise<void>
}

/**
 * Run a TypeScript file in a child Node process (through tsx) and wait for
 * its `READY {json}` line. The child stops when its stdin closes.
 */
export async function startChild(file: string, args: string[] = [], options: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<Child> {
  // RENTAHAL_BENCH_PROFILE=<dir>: CPU profiles of the children, for finding hot paths.
  const profile = process.env.RENTAHAL_BENCH_PROFILE
  const prof = profile === undefined || profile === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]
  const child = spawn(process.execPath, [...prof, ...(options.nodeArgs ?? []), '--import', 'tsx', file, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit']
  })
  track(child)
  const events: Array<Record<string, unknown>> = []
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> })
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} printed no READY line within ${options.timeoutMs ?? 60_000} ms`)), options.timeoutMs ?? 60_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${file} exited with ${code} before it was ready`))
    })
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer)
        resolve(JSON.parse(line.slice(6)) as Record<string, unknown>)
      } else if (line.startsWith('EVENT ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>)
      else process.stderr.write(`[${file}] ${line}\n`)
    })
  })
  child.removeAllListeners('exit')
  return {
    process: child,
    pid: child.pid as number,
    ready,
    events,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.stdin?.end()
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(kill)
    }
  }
}

// ---------------------------------------------------------------------------
// The built CLI (`npm run build`), for what a user really runs.

export const CLI = join(REPO, 'dist/cli/bin.js')

export interface CliNode {
  pid: number
  /** Base URL of the HTTP gateway (from the banner). */
  httpUrl: string
  /** libp2p listen addresses (from the banner). */
  listening: string[]
  /** ms from spawn to the banner. */
  bannerMs: number
  /** With `probe`: garbage-collect in the node, then its process.memoryUsage(). */
  memory(): Promise<NodeJS.MemoryUsage>
  stop(): Promise<void>
}

/** Preloaded with `probe`: on SIGUSR2, collect garbage and print memoryUsage() on stderr. */
const MEMORY_PROBE =
  'data:text/javascript,process.on("SIGUSR2",()=>{globalThis.gc();process.stderr.write("MEMORY "+JSON.stringify(process.memoryUsage())+"\\n")})'

/**
 * `rentahal-node start` from dist/ with a temp data dir, free ports and a temp
 * working directory (so no ./realms.yml is picked up); resolves at its banner.
 */
export async function startCli(extra: string[] = [], options: { probe?: boolean } = {}): Promise<CliNode> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run npm run build first`)
  const data = await tempDir()
  const cwd = await tempDir()
  const started = performance.now()
  const probe = options.probe === true ? ['--expose-gc', '--import', MEMORY_PROBE] : []
  const child = spawn(process.execPath, [...probe, CLI, 'start', '--data-dir', data.dir, '--http-port', '0', '--p2p-port', '0', ...extra], {
    cwd: cwd.dir,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  track(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => {
    err += d
  })
  const bannerMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s; stderr: ${err.slice(-500)}`)), 60_000)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer)
        resolve(performance.now() - started)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`rentahal-node start exited with ${code} before its banner; stderr: ${err.slice(-500)}`))
    })
  })
  child.removeAllListeners('exit')
  const httpUrl = /UI \/ API\s+(\S+?)\/?$/m.exec(out)?.[1]
  if (httpUrl === undefined) throw new Error(`no UI / API line in the banner:\n${out}`)
  const listening = [...out.matchAll(/^(?:listening)?\s+(\/ip[46]\/\S+)$/gm)].map((m) => m[1] as string)
  return {
    pid: child.pid as number,
    httpUrl,
    listening,
    bannerMs,
    memory: async () => {
      if (options.probe !== true) throw new Error('startCli({ probe: true }) to read memory')
      const from = err.length
      child.kill('SIGUSR2')
      const deadline = performance.now() + 10_000
      for (;;) {
        const line = /MEMORY (\{.*\})\n/.exec(err.slice(from))?.[1]
        if (line !== undefined) return JSON.parse(line) as NodeJS.MemoryUsage
        if (performance.now() > deadline) throw new Error('the node printed no MEMORY line')
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(kill)
      }
      await data.cleanup()
      await cwd.cleanup()
    }
  }
}

/** Open libp2p connections of a node, from its Prometheus gauge. */
export async function connectionsOf(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const value = /^rentahal_libp2p_connections\s+(\d+)/m.exec(text)?.[1]
  if (value === undefined) throw new Error('no rentahal_libp2p_connections in /metrics')
  return Number(value)
}
