// Cold start: from spawning `rentahal-node start` (the built CLI, temp data
// dir, free ports) until `/healthz` answers, against spawning `node -e ''`
// until it exits, alternating in the same run. The default start probes
// loopback for local model servers before it listens; a second variant
// without that probe shows its share.
//
//   npx tsx scripts/bench/cold-start.ts [--quick] [--runs 5]
import { spawn } from 'node:child_process'
import { arg, emit, fmt, median, QUICK, startCli } from './lib.js'

const RUNS = arg('runs', QUICK ? 1 : 5)

async function bareNode(): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve, reject) => {
    child.once('exit', resolve)
    child.once('error', reject)
  })
  return performance.now() - started
}

/** Spawn to the first 200 from /healthz (polled every 5 ms once the banner names the port). */
async function nodeToHealthz(extra: string[]): Promise<{ healthzMs: number; bannerMs: number }> {
  const started = performance.now()
  const node = await startCli(extra)
  try {
    for (;;) {
      const res = await fetch(`${node.httpUrl}/healthz`).catch(() => undefined)
      if (res?.status === 200) return { healthzMs: performance.now() - started, bannerMs: node.bannerMs }
      if (performance.now() - started > 60_000) throw new Error('/healthz did not answer within 60 s')
      await new Promise((r) => setTimeout(r, 5))
    }
  } finally {
    await node.stop()
  }
}

// Warm the file cache once (the first start after a build reads every module from disk).
await nodeToHealthz(['--no-autodetect'])
const bare: number[] = []
const plain: number[] = []
const probing: number[] = []
for (let i = 0; i < RUNS; i++) {
  bare.push(await bareNode())
  probing.push((await nodeToHealthz([])).healthzMs)
  plain.push((await nodeToHealthz(['--no-autodetect'])).healthzMs)
}
const all = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ')
emit({
  name: 'cold-start',
  title: `Cold start to /healthz answering: built CLI, temp data dir, port 0, ${RUNS} runs each, alternating`,
  summary: [
    {
      benchmark: 'cold start: rentahal-node start → /healthz',
      result: `median ${fmt(median(probing))}`,
      baseline: `node -e '' ${fmt(median(bare))}`,
      ratio: `${(median(probing) / median(bare)).toFixed(1)}×`,
      target: 'report',
      status: 'report'
    }
  ],
  details: [
    { variant: "node -e '' (baseline: spawn to exit)", median: fmt(median(bare)), 'all runs (ms)': all(bare) },
    { variant: 'rentahal-node start (default)', median: fmt(median(probing)), 'all runs (ms)': all(probing) },
    { variant: 'rentahal-node start --no-autodetect', median: fmt(median(plain)), 'all runs (ms)': all(plain) }
  ],
  notes: [
    `The default start probes loopback for local model servers while it builds the node, and listens once both are done; --no-autodetect skips the probes (difference of the medians here: ${fmt(median(probing) - median(plain))}).`
  ]
})
