// `npm run bench`: runs every benchmark script that exists, each in its own
// process, prints their tables and writes BENCHMARKS.md with the machine
// description. Pass --quick for a tiny run.
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url))
const quick = process.argv.includes('--quick')
const benches = ['route.ts', 'shards.ts', 'llama.ts'].filter((name) => existsSync(here(name)))
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`
const sections: string[] = []
for (const name of benches) {
  console.log(`== ${name}`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', here(name), ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 600_000 })
  const output = `${run.stdout}${run.stderr}`.trim()
  console.log(output)
  sections.push(`## ${name}${run.status === 0 ? '' : ` (exit ${run.status ?? run.signal})`}\n\n\`\`\`\n${output}\n\`\`\``)
}
writeFileSync(
  here('../../BENCHMARKS.md'),
  `# Benchmarks\n\nMachine: ${machine}${quick ? ' (--quick run)' : ''}. Each benchmark measures its baseline in the same run.\n\n${sections.join('\n\n')}\n`
)
console.log('wrote BENCHMARKS.md')
