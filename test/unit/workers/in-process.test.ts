import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { WorkerConfig } from '../../../node/config/index.js'
import { createWorkerAdapter, OCR_LABEL, OCR_NOTHING, type WorkerAdapter, type WorkerRequest } from '../../../node/workers/index.js'
import { TINY_PNG } from '../../helpers/model-servers.js'
import { REPO_ROOT, STORIES_GGUF } from '../../helpers/models.js'

const REPO = REPO_ROOT

const prompt = (text: string): WorkerRequest => ({ queryType: 'chat', prompt: text, modelType: 'worker_node', modelName: '' })

describe('llama-cpp adapter (node-llama-cpp in process, stories260K.gguf)', function () {
  this.timeout(60_000)
  let adapter: WorkerAdapter | undefined

  before(() => {
    // No skip: a missing model must fail the run, not hide the test.
    assert.ok(existsSync(STORIES_GGUF), `test model missing: ${STORIES_GGUF} (the checkout must sit next to shared/, see shared/models/README.md)`)
  })

  afterEach(async () => {
    await adapter?.close?.()
    adapter = undefined
  })

  const llama = (over: Partial<WorkerConfig> = {}): WorkerAdapter =>
    createWorkerAdapter({ name: 'tiny', kind: 'llama-cpp', type: 'chat', url: '', models: [], capacity: 1, modelPath: STORIES_GGUF, threads: 1, ...over })

  it('loads the GGUF and streams at least 20 tokens', async () => {
    adapter = llama({ maxTokens: 48 })
    assert.equal(await adapter.checkHealth(), 200)
    const chunks: string[] = []
    const result = await adapter.run(prompt('Once upon a time'), { onChunk: (t) => chunks.push(t) })
    assert.ok(chunks.length >= 20, `only ${chunks.length} chunks`)
    assert.equal(result.type, 'text')
    assert.equal(result.type === 'text' && result.text, chunks.join(''))
    // TinyStories text: words, not noise.
    assert.match(chunks.join(''), /\b(the|was|she|he|a)\b/i)
  })

  it('aborts mid-generation and frees the context: the next query runs to the end', async () => {
    adapter = llama({ maxTokens: 200 })
    const controller = new AbortController()
    let seen = 0
    const first = adapter.run(prompt('Once upon a time'), {
      signal: controller.signal,
      onChunk: () => {
        seen++
        if (seen === 5) controller.abort()
      }
    })
    await assert.rejects(first, { name: 'AbortError' })
    assert.ok(seen >= 5 && seen < 200, `saw ${seen} chunks`)
    // Capacity 1 = one context sequence: this only works if the aborted query gave it back.
    const chunks: string[] = []
    const second = await adapter.run(prompt('The little dog'), { onChunk: (t) => chunks.push(t) })
    assert.equal(second.type, 'text')
    assert.ok(chunks.length >= 20, `second query streamed only ${chunks.length} chunks`)
  })

  it('says clearly when the model file is missing', async () => {
    adapter = llama({ modelPath: resolve(REPO, 'no-such-model.gguf') })
    assert.equal(await adapter.checkHealth(), 404)
    await assert.rejects(
      adapter.run(prompt('x')),
      (err: Error) => err.name === 'WorkerUnavailableError' && /no-such-model\.gguf is not readable/.test(err.message)
    )
  })
})

describe('ocr adapter (tesseract.js in process, shipped English data)', function () {
  this.timeout(60_000)
  let adapter: WorkerAdapter | undefined

  afterEach(async () => {
    await adapter?.close?.()
    adapter = undefined
  })

  const ocr = (): WorkerAdapter => createWorkerAdapter({ name: 'ocr', kind: 'ocr', type: 'vision', url: '', models: [], capacity: 1 })
  const vision = (image: Uint8Array): WorkerRequest => ({ queryType: 'vision', prompt: 'what does it say?', modelType: 'worker_node', modelName: '', image })

  it('reads the known text of a PNG fixture', async () => {
    // Fixture made with: npx tsx scripts/make-ocr-fixture.ts "HELLO FROM RENTAHAL 42" test/fixtures/ocr-hello.png
    const png = await readFile(resolve(REPO, 'test/fixtures/ocr-hello.png'))
    adapter = ocr()
    assert.equal(await adapter.checkHealth(), 200)
    const result = await adapter.run(vision(png))
    assert.deepEqual(result, { type: 'text', text: `${OCR_LABEL}\nHELLO FROM RENTAHAL 42` })
    // Says what it found on a picture without text, rather than inventing a description.
    assert.deepEqual(await adapter.run(vision(TINY_PNG)), { type: 'text', text: OCR_NOTHING })
  })

  it('does not start its engine for a cancelled query', async () => {
    adapter = ocr()
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(adapter.run(vision(TINY_PNG), { signal: controller.signal }), { name: 'AbortError' })
  })
})
