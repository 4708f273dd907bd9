import assert from 'node:assert/strict'
import type { WorkerConfig } from '../../../node/config/index.js'
import { createWorkerAdapter, type WorkerAdapter, type WorkerRequest } from '../../../node/workers/index.js'
import { FakeOllama, FakeOpenAI, pieces, TINY_PNG } from '../../helpers/model-servers.js'

const chat = (prompt: string, over: Partial<WorkerRequest> = {}): WorkerRequest => ({
  queryType: 'chat',
  prompt,
  modelType: 'worker_node',
  modelName: '',
  ...over
})

/** Body of the first request the server got on a path. */
function sentBody(server: FakeOpenAI | FakeOllama, path: string): string {
  const req = server.calls(path)[0]
  assert.ok(req, `no request to ${path}`)
  return req.body.toString()
}

interface Case {
  kind: 'openai' | 'ollama'
  make: (models?: string[]) => FakeOpenAI | FakeOllama
  chatPath: string
  healthPath: string
  defaultModel: string
}

const cases: Case[] = [
  { kind: 'openai', make: (models) => new FakeOpenAI({ models }), chatPath: '/v1/chat/completions', healthPath: '/v1/models', defaultModel: 'test-model' },
  { kind: 'ollama', make: (models) => new FakeOllama({ models }), chatPath: '/api/chat', healthPath: '/api/version', defaultModel: 'llama3.2:latest' }
]

for (const c of cases) {
  describe(`${c.kind} adapter (against a real HTTP server speaking its API)`, () => {
    let server: FakeOpenAI | FakeOllama
    let adapter: WorkerAdapter
    let config: WorkerConfig

    const setup = async (over: Partial<WorkerConfig> = {}, models?: string[]): Promise<void> => {
      server = await c.make(models).start()
      config = { name: `${c.kind}-test`, kind: c.kind, type: 'chat', url: server.url, models: [], capacity: 1, ...over }
      adapter = createWorkerAdapter(config)
    }

    afterEach(async () => {
      await server?.stop()
    })

    it('answers a plain (non-streamed) query with the model the server lists first', async () => {
      await setup()
      const result = await adapter.run(chat('hello there'))
      assert.deepEqual(result, { type: 'text', text: `echo from ${c.defaultModel}: hello there` })
      const body = JSON.parse(sentBody(server, c.chatPath)) as Record<string, unknown>
      assert.equal(body.stream, false)
      assert.equal(body.model, c.defaultModel)
    })

    it('streams an answer piece by piece, in order', async () => {
      await setup({ models: ['alpha', 'beta'], maxTokens: 64 })
      const chunks: string[] = []
      const result = await adapter.run(chat('tell me a story please', { modelName: 'beta' }), { onChunk: (t) => chunks.push(t) })
      const expected = 'echo from beta: tell me a story please'
      assert.deepEqual(chunks, pieces(expected))
      assert.deepEqual(result, { type: 'text', text: expected })
      const body = JSON.parse(sentBody(server, c.chatPath)) as Record<string, unknown>
      assert.equal(body.stream, true)
      if (c.kind === 'openai') assert.equal(body.max_tokens, 64)
      else assert.deepEqual(body.options, { num_predict: 64 })
    })

    it('sends an image for vision and gets its description back', async () => {
      await setup({ type: 'vision', models: ['llava'] })
      const result = await adapter.run({ queryType: 'vision', prompt: 'what is this?', modelType: 'worker_node', modelName: 'x', image: TINY_PNG })
      assert.deepEqual(result, { type: 'text', text: `llava saw a ${TINY_PNG.length}-byte image: what is this?` })
      const body = sentBody(server, c.chatPath)
      if (c.kind === 'openai') assert.ok(body.includes(`"url":"data:image/png;base64,${TINY_PNG.toString('base64')}"`))
      else assert.ok(body.includes(`"images":["${TINY_PNG.toString('base64')}"]`))
    })

    it('reports an error status with the server’s own message', async () => {
      await setup({ models: ['m'] })
      server.mode = 'status'
      await assert.rejects(adapter.run(chat('x')), (err: Error & { status?: number }) => {
        assert.equal(err.name, 'WorkerHttpError')
        assert.equal(err.status, c.kind === 'openai' ? 500 : 404)
        assert.match(err.message, c.kind === 'openai' ? /^500: model exploded$/ : /^404: model 'm' not found$/)
        return true
      })
    })

    it('fails with the worker’s message when an error arrives in the middle of a stream (HTTP 200)', async () => {
      await setup({ models: ['m'] })
      server.mode = 'midstream'
      const chunks: string[] = []
      await assert.rejects(adapter.run(chat('one two three four'), { onChunk: (t) => chunks.push(t) }), (err: Error) => {
        assert.equal(err.name, 'WorkerStreamError')
        assert.match(err.message, /out of memory/)
        return true
      })
      assert.deepEqual(chunks, pieces('echo from m: one two three four').slice(0, 2))
    })

    it('fails clearly when the connection drops mid-stream', async () => {
      await setup({ models: ['m'] })
      server.mode = 'drop'
      await assert.rejects(adapter.run(chat('one two three four'), { onChunk: () => undefined }), { name: 'WorkerStreamError' })
    })

    it('times out on a worker that never answers, and hangs up on it', async () => {
      await setup({ models: ['m'] })
      server.mode = 'hang'
      await assert.rejects(adapter.run(chat('x'), { signal: AbortSignal.timeout(150) }), { name: 'WorkerTimeoutError' })
      await server.waitAborted(server.calls(c.chatPath)[0] as never, 'the adapter to close the request')
    })

    it('stops a stream when the caller aborts, and closes the connection', async () => {
      await setup({ models: ['m'] })
      server.mode = 'stall'
      const controller = new AbortController()
      const chunks: string[] = []
      const run = adapter.run(chat('one two three'), {
        signal: controller.signal,
        onChunk: (t) => {
          chunks.push(t)
          controller.abort()
        }
      })
      await assert.rejects(run, { name: 'AbortError' })
      assert.equal(chunks.length, 1)
      await server.waitAborted(server.calls(c.chatPath)[0] as never, 'the adapter to close the stream')
    })

    it('lists models, checks health and says when the worker is unreachable', async () => {
      await setup({}, ['a', 'b'])
      assert.deepEqual(await adapter.listModels?.(), ['a', 'b'])
      assert.equal(await adapter.checkHealth(), 200)
      await server.waitFor(c.healthPath)
      server.healthStatus = 503
      assert.equal(await adapter.checkHealth(), 503)
      const url = server.url
      await server.stop()
      await assert.rejects(adapter.run(chat('x')), (err: Error) => err.name === 'WorkerUnreachableError' && err.message.includes(url))
    })

    if (c.kind === 'openai') {
      it('sends the api key as a bearer token', async () => {
        await setup({ apiKey: 'sekret', models: ['m'] })
        await adapter.run(chat('x'))
        assert.equal(await adapter.checkHealth(), 200)
        assert.equal(server.calls('/v1/chat/completions')[0]?.headers.authorization, 'Bearer sekret')
        assert.equal(server.calls('/v1/models')[0]?.headers.authorization, 'Bearer sekret')
      })
    }
  })
}
