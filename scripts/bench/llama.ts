// Tokens per second of the in-process llama.cpp worker (LlamaCppAdapter on
// node-llama-cpp) with stories260K.gguf, threads 1 against threads 2 in the
// same run, alternating, after a warm-up query each.
//
//   npx tsx scripts/bench/llama.ts [runs] [model.gguf]
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LlamaCppAdapter } from '../../node/workers/index.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const RUNS = Number(process.argv[2] ?? 3)
const MODEL = resolve(process.argv[3] ?? resolve(REPO, '../shared/models/stories260K.gguf'))
const MAX_TOKENS = 200
if (!existsSync(MODEL)) throw new Error(`model not found: ${MODEL}`)

function worker(threads: number): LlamaCppAdapter {
  return new LlamaCppAdapter({
    name: `t${threads}`,
    kind: 'llama-cpp',
    type: 'chat',
    url: '',
    models: [],
    capacity: 1,
    modelPath: MODEL,
    threads,
    maxTokens: MAX_TOKENS
  })
}

/** One query; tokens = streamed pieces (one per token for this model's ASCII vocabulary). */
async function tokensPerSecond(adapter: LlamaCppAdapter, prompt: string): Promise<{ tokens: number; perSecond: number }> {
  let tokens = 0
  const started = performance.now()
  await adapter.run({ queryType: 'chat', prompt, modelType: 'worker_node', modelName: '' }, { onChunk: () => tokens++ })
  const seconds = (performance.now() - started) / 1000
  return { tokens, perSecond: tokens / seconds }
}

const loadStarted = performance.now()
const adapters = new Map([1, 2].map((t) => [t, worker(t)]))
for (const a of adapters.values()) await a.warmUp()
console.log(`model ${MODEL}: both contexts loaded in ${((performance.now() - loadStarted) / 1000).toFixed(2)} s`)
for (const a of adapters.values()) await tokensPerSecond(a, 'Once upon a time')

const results = new Map<number, number[]>([
  [1, []],
  [2, []]
])
const prompts = ['Once upon a time', 'The little dog', 'One day, a girl named Lily']
for (let i = 0; i < RUNS; i++) {
  for (const [threads, adapter] of adapters) {
    const r = await tokensPerSecond(adapter, prompts[i % prompts.length] as string)
    results.get(threads)?.push(r.perSecond)
    console.log(`  threads ${threads}, run ${i + 1}: ${r.tokens} tokens at ${r.perSecond.toFixed(0)} tokens/s`)
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
for (const [threads, xs] of results) console.log(`threads ${threads}: median ${median(xs).toFixed(0)} tokens/s over ${xs.length} runs`)
for (const a of adapters.values()) await a.close()
