// Time from `rentahal-node start` to its banner, with the worker extras on by
// default (loopback auto-detection, built-in OCR worker) against a baseline
// with both off, alternating runs in the same session. Needs `npm run build`.
//
//   npx tsx scripts/bench/start-workers.ts [runs]
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url))
const RUNS = Number(process.argv[2] ?? 5)

async function timeToBanner(extra: string[]): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rentahal-bench-'))
  const started = performance.now()
  const child = spawn(process.execPath, [CLI, 'start', '--data-dir', dataDir, '--http-port', '0', '--p2p-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  const ms = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no banner within 30 s')), 30_000)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer)
        resolve(performance.now() - started)
      }
    })
    child.on('exit', (code) => reject(new Error(`exited ${code} before the banner`)))
  })
  child.removeAllListeners('exit')
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  await rm(dataDir, { recursive: true, force: true })
  return ms
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

const baseline: number[] = []
const withExtras: number[] = []
await timeToBanner([]) // warm the file cache
for (let i = 0; i < RUNS; i++) {
  baseline.push(await timeToBanner(['--no-autodetect', '--no-ocr']))
  withExtras.push(await timeToBanner([]))
}
const fmt = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`
console.log(`start → banner, ${RUNS} runs each`)
console.log(`  baseline (--no-autodetect --no-ocr): ${fmt(baseline)}`)
console.log(`  default  (auto-detect + OCR worker): ${fmt(withExtras)}`)
console.log(`  difference of medians: ${(median(withExtras) - median(baseline)).toFixed(0)} ms`)
