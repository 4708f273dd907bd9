// `npm run bench`: build, run every benchmark script in its own process, print
// one compact table and write BENCHMARKS.md at the repo root (machine, date,
// summary, then each script's own tables and notes).
//
//   npm run bench                 full sizes (under 10 minutes on 2 cores)
//   npm run bench -- --quick      tiny sizes: checks that everything runs
//   npm run bench -- --only route,ws
//   npm run bench -- --no-write   do not touch BENCHMARKS.md
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchReport, machine, QUICK, REPO, REPORT_ENV, type SummaryRow, summaryCells, table } from './lib.js'

interface Bench {
  name: string
  /** What it answers, for the table of contents. */
  question: string
  args?: string[]
  quickArgs?: string[]
  timeoutMs: number
  /** Turns a script that prints no report (the shards script) into one. */
  parse?: (stdout: string) => BenchReport
}

const BENCHES: Bench[] = [
  { name: 'route', question: 'routing overhead per hop, 0–3 hops', timeoutMs: 180_000 },
  { name: 'throughput', question: 'queries/s one node routes to a peer', timeoutMs: 180_000 },
  { name: 'ws', question: '/ws query round trips/s', timeoutMs: 180_000 },
  { name: 'ws-fanout', question: '10,000 idle /ws clients, queue_update fan-out', timeoutMs: 240_000 },
  { name: 'discovery', question: 'time until a new worker is routable at 20 and 100 nodes', timeoutMs: 300_000 },
  {
    name: 'shards',
    question: 'replicated shard write and read ops/s',
    quickArgs: ['--ops', '200', '--reps', '1'],
    timeoutMs: 240_000,
    parse: parseShards
  },
  { name: 'memory', question: 'idle RSS and RSS per connected peer', timeoutMs: 300_000 },
  { name: 'cold-start', question: 'cold start to /healthz', timeoutMs: 180_000 }
]

const onlyArg = process.argv.indexOf('--only')
const ONLY = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined
const WRITE = !process.argv.includes('--no-write')

/** The shards script (written apart from this suite) prints lines; turn them into rows. */
function parseShards(stdout: string): BenchReport {
  const ops = (what: string): number | undefined => {
    const m = new RegExp(`^\\s*${what}\\s+median\\s+(\\d+)\\s*ops/s`, 'm').exec(stdout)
    return m === null ? undefined : Number(m[1])
  }
  const [put, get, write, read] = ['raw put', 'raw get', 'replicated write', 'replicated read'].map(ops)
  if (put === undefined || get === undefined || write === undefined || read === undefined) {
    throw new Error('could not read ops/s from the shards script output')
  }
  const rate = (x: number): string => `${x.toLocaleString('en-US')} ops/s`
  return {
    name: 'shards',
    title: 'Replicated shard writes and reads (from scripts/bench/shards.ts)',
    summary: [
      {
        benchmark: 'replicated shard write (N=3, W=2)',
        result: rate(write),
        baseline: `raw LevelDB put ${rate(put)}`,
        ratio: `${(write / put).toFixed(2)}×`,
        target: '≥ 0.25× put',
        status: write / put >= 0.25 ? 'met' : 'MISSED'
      },
      {
        benchmark: 'replicated shard read (R=2)',
        result: rate(read),
        baseline: `raw LevelDB get ${rate(get)}`,
        ratio: `${(read / get).toFixed(2)}×`,
        target: 'report',
        status: 'report'
      }
    ],
    details: [],
    notes: stdout
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => `\`${l.trim()}\``)
  }
}

function notAvailable(bench: Bench, why: string): BenchReport {
  return {
    name: bench.name,
    title: bench.question,
    summary: [{ benchmark: bench.question, result: why, baseline: '-', ratio: '-', target: '-', status: 'n/a' }],
    details: [],
    notes: []
  }
}

/** Run one script in its own process, streaming its output; resolve with its report. */
async function run(bench: Bench): Promise<BenchReport> {
  const file = join(REPO, 'scripts/bench', `${bench.name}.ts`)
  if (!existsSync(file)) return notAvailable(bench, `not available (scripts/bench/${bench.name}.ts is not in this tree)`)
  const reportFile = join(tmpdir(), `rentahal-bench-${process.pid}-${bench.name}.json`)
  rmSync(reportFile, { force: true })
  const args = [...(QUICK ? (bench.quickArgs ?? ['--quick']) : (bench.args ?? []))]
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: REPO,
    env: { ...process.env, [REPORT_ENV]: reportFile },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    process.stdout.write(d)
  })
  child.stderr.on('data', (d) => {
    stderr += d
    process.stderr.write(d)
  })
  const timeoutMs = QUICK ? Math.min(bench.timeoutMs, 120_000) : bench.timeoutMs
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    // SIGTERM first: the script then kills the nodes and servers it started.
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
  }, timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  if (timedOut) return notAvailable(bench, `failed: no result within ${timeoutMs / 1000} s`)
  if (code !== 0) {
    const last =
      stderr
        .trim()
        .split('\n')
        .filter((l) => /Error|error/.test(l))
        .pop() ?? `exit code ${code}`
    return notAvailable(bench, `failed: ${last.trim().slice(0, 160)}`)
  }
  if (bench.parse !== undefined) {
    try {
      return bench.parse(stdout)
    } catch (err) {
      return notAvailable(bench, `failed: ${(err as Error).message}`)
    }
  }
  if (!existsSync(reportFile)) return notAvailable(bench, 'failed: the script wrote no report')
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as BenchReport
  rmSync(reportFile, { force: true })
  return report
}

function markdown(reports: BenchReport[], info: { date: string; seconds: number; load: string }): string {
  const rows = reports.flatMap((r) => r.summary)
  const missed = rows.filter((r) => r.status === 'MISSED').length
  const met = rows.filter((r) => r.status === 'met').length
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${QUICK ? ' -- --quick' : ''}\` (scripts/bench/) on ${info.date} in ${info.seconds.toFixed(0)} s.`,
    '',
    `Machine: ${machine()}. Load average when the run started: ${info.load}.`,
    '',
    QUICK
      ? '**This was a `--quick` run: tiny sizes that only show the scripts work. Its numbers mean nothing.**'
      : 'Every benchmark measures its own baseline in the same run, so ratios are more trustworthy than absolute numbers on a shared machine. Each script can be run on its own (`npx tsx scripts/bench/<name>.ts`, `--quick` for tiny sizes).',
    '',
    `## Summary: ${met} met, ${missed} missed`,
    '',
    table(rows.map(summaryCells)),
    ''
  ]
  for (const r of reports) {
    lines.push(`## ${r.title}`, '', `\`scripts/bench/${r.name}.ts\``, '')
    if (r.details.length > 0) lines.push(table(r.details), '')
    lines.push(table(r.summary.map(summaryCells)), '')
    for (const note of r.notes) lines.push(`- ${note}`)
    if (r.notes.length > 0) lines.push('')
  }
  return lines.join('\n')
}

const started = performance.now()
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(', ')
// memory.ts and cold-start.ts run the built CLI.
console.log('building (npm run build) for the CLI benchmarks…')
const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' })
if (build.status !== 0) throw new Error('npm run build failed')

const reports: BenchReport[] = []
for (const bench of BENCHES) {
  if (ONLY !== undefined && !ONLY.has(bench.name)) continue
  const t = performance.now()
  console.log(`\n### ${bench.name}: ${bench.question}`)
  const report = await run(bench)
  reports.push(report)
  console.log(`### ${bench.name} took ${((performance.now() - t) / 1000).toFixed(0)} s`)
}
const seconds = (performance.now() - started) / 1000
const rows: SummaryRow[] = reports.flatMap((r) => r.summary)
console.log(`\n== Summary (${machine()}; ${seconds.toFixed(0)} s)`)
console.log(table(rows.map(summaryCells)))
if (WRITE) {
  writeFileSync(join(REPO, 'BENCHMARKS.md'), markdown(reports, { date, seconds, load }))
  console.log('\nwrote BENCHMARKS.md')
}
