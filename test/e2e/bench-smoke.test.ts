import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCHES } from '../../scripts/bench/benches.js'

// Each benchmark script of `npm run bench`, run with --quick (tiny sizes):
// it must finish, print its summary table and hand over a well-formed report.
// No timing is asserted — benchmarks measure, tests do not. memory.ts and
// cold-start.ts run the built CLI (npm test builds first).
const REPO = fileURLToPath(new URL('../../', import.meta.url))
const SCRIPTS = BENCHES.map((b) => b.name)
const STATUSES = new Set(['met', 'MISSED', 'report', 'n/a'])

interface Report {
  name: string
  summary: Array<{ benchmark: string; result: string; baseline: string; ratio: string; target: string; status: string }>
  details: Array<Record<string, string>>
}

describe('benchmark scripts, --quick smoke run', function () {
  this.timeout(120_000)
  let dir: string
  let child: ChildProcess | undefined

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rentahal-bench-smoke-'))
  })

  afterEach(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    child = undefined
    await rm(dir, { recursive: true, force: true })
  })

  for (const name of SCRIPTS) {
    it(`${name}.ts finishes on a tiny size and prints its summary table`, async () => {
      const reportFile = join(dir, 'report.json')
      const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/bench', `${name}.ts`), '--quick'], {
        cwd: REPO,
        env: { ...process.env, RENTAHAL_BENCH_REPORT: reportFile },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      child = proc
      let stdout = ''
      let stderr = ''
      proc.stdout.on('data', (d) => {
        stdout += d
      })
      proc.stderr.on('data', (d) => {
        stderr += d
      })
      const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve))
      assert.equal(code, 0, `${name}.ts exited with ${code}:\n${stderr.slice(-2000)}`)
      assert.match(stdout, /\| benchmark +\| result +\| baseline +\| ratio +\| target +\| status +\|/)
      const report = JSON.parse(await readFile(reportFile, 'utf8')) as Report
      assert.equal(report.name, name)
      assert.ok(report.summary.length > 0, 'at least one summary row')
      for (const row of report.summary) {
        assert.ok(STATUSES.has(row.status), `status of "${row.benchmark}" is ${row.status}`)
        assert.notEqual(row.result, '', `result of "${row.benchmark}"`)
        assert.ok(stdout.includes(row.benchmark), `the printed table shows "${row.benchmark}"`)
      }
    })
  }
})
