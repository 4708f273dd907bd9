import assert from 'node:assert/strict'
import OpenAI from 'openai'
import sharp from 'sharp'
import type { RentahalNode, WorkerConfig } from '../../node/index.js'
import { createWorkerAdapter } from '../../node/workers/index.js'
import { A1111TestServer, makePng } from '../helpers/a1111-worker.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode } from '../helpers/node.js'
import { ScriptedAdapter, waitOrAbort } from '../helpers/scripted-adapter.js'
import { StreamingTestAdapter } from '../helpers/streaming-adapter.js'
import { TempDirs } from '../helpers/temp.js'
import { waitUntil } from '../helpers/wait.js'

const KEY = 'sk-test-0123456789'

describe('OpenAI-compatible API (official openai client)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let node: RentahalNode
  let vision: LegacyTestWorker
  let imagine: A1111TestServer
  let llm: StreamingTestAdapter

  const client = (apiKey = KEY): OpenAI => new OpenAI({ apiKey, baseURL: `${node.httpUrl}/v1`, maxRetries: 0, timeout: 10_000 })

  beforeEach(async () => {
    vision = await new LegacyTestWorker({ answer: (b) => `a picture (${String(b.prompt)})` }).start()
    imagine = await new A1111TestServer().start(32, 32)
    llm = new StreamingTestAdapter((r) => `You said: ${r.prompt}`)
    const local: WorkerConfig = { name: 'llm-1', kind: 'llama-cpp', type: 'chat', url: '', models: ['tiny-llama', 'tiny-llama-instruct'], capacity: 2 }
    node = await startTestNode(temp, {
      workers: [local, legacyWorker(vision.url, { name: 'llava-1', type: 'vision' }), legacyWorker(imagine.url, { name: 'sd-1', type: 'imagine' })],
      config: (c) => {
        c.gateway.openaiApiKeys = [KEY]
      },
      init: { createAdapter: (c) => (c.kind === 'llama-cpp' ? llm : createWorkerAdapter(c)) }
    })
  })

  afterEach(async () => {
    await node.stop()
    await Promise.all([vision.stop(), imagine.stop()])
    await temp.cleanup()
  })

  it('lists every model the workers serve', async () => {
    const ids: string[] = []
    for await (const model of client().models.list()) {
      assert.equal(model.object, 'model')
      assert.equal(model.owned_by, 'local')
      ids.push(model.id)
    }
    assert.deepEqual(ids, ['tiny-llama', 'tiny-llama-instruct', 'llava-1', 'sd-1'])
  })

  it('answers a non-streamed chat completion through the desk (counted in history)', async () => {
    const completion = await client().chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'hello there' }]
    })
    assert.equal(completion.object, 'chat.completion')
    assert.equal(completion.choices[0]?.message.content, 'You said: hello there')
    assert.equal(completion.choices[0]?.finish_reason, 'stop')
    assert.equal(llm.requests[0]?.modelName, 'tiny-llama')
    const users = await node.users.list()
    assert.equal(
      users.reduce((n, u) => n + u.queryCount, 0),
      1
    )
  })

  it('streams a chat completion chunk by chunk as SSE', async () => {
    const stream = await client().chat.completions.create({
      model: 'tiny-llama',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'count to three' }
      ]
    })
    const deltas: string[] = []
    let finish: string | null | undefined
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk')
      const choice = chunk.choices[0]
      if (choice?.delta.content) deltas.push(choice.delta.content)
      if (choice?.finish_reason) finish = choice.finish_reason
    }
    const expected = 'You said: System: Be brief.\n\nUser: count to three\n\nAssistant:'
    assert.ok(deltas.length > 3, `streamed in ${deltas.length} chunks`)
    assert.equal(deltas.join(''), expected)
    assert.equal(finish, 'stop')
  })

  it('sends image parts to a vision worker and generates images with imagine', async () => {
    const png = (await makePng(16, 16)).toString('base64')
    const seen = await client().chat.completions.create({
      model: 'llava-1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }
          ]
        }
      ]
    })
    assert.equal(seen.choices[0]?.message.content, 'a picture (what is this?)')
    assert.equal(vision.calls[0]?.body.image, png)

    const images = await client().images.generate({ model: 'sd-1', prompt: 'a teapot', n: 2, response_format: 'b64_json' })
    assert.equal(images.data?.length, 2)
    const meta = await sharp(Buffer.from(images.data?.[0]?.b64_json as string, 'base64')).metadata()
    assert.equal(meta.format, 'png')
    assert.equal(imagine.calls.length, 2)
  })

  it('fails an image batch when one image fails, and cancels the others at their worker', async () => {
    await node.stop()
    let started = 0
    const aborted: boolean[] = []
    const painter: WorkerConfig = { name: 'paint-1', kind: 'a1111', type: 'imagine', url: '', models: ['paint'], capacity: 4 }
    node = await startTestNode(temp, {
      workers: [painter],
      config: (c) => {
        c.gateway.openaiApiKeys = [KEY]
      },
      init: {
        createAdapter: (c) =>
          new ScriptedAdapter(c, async (_request, options) => {
            // The first image fails at once; the second waits until it is cancelled.
            if (started++ === 0) throw new Error('CUDA out of memory')
            await waitOrAbort(20_000, options.signal).catch((err) => {
              aborted.push(true)
              throw err
            })
            return { type: 'image', data: new Uint8Array([1]), mime: 'image/png' }
          })
      }
    })
    await assert.rejects(client().images.generate({ model: 'paint', prompt: 'a teapot', n: 2, response_format: 'b64_json' }))
    await waitUntil(() => aborted.length === 1, 'the second image to be cancelled at its worker')
    assert.equal(started, 2)
  })

  it('refuses a wrong key, a URL image and an unservable request with OpenAI error shapes', async () => {
    await assert.rejects(client('sk-wrong-key-000').models.list(), (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 401)
      assert.equal(err.code, 'invalid_api_key')
      return true
    })
    await assert.rejects(
      client().chat.completions.create({
        model: 'llava-1',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:1/x.png' } }] }]
      }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 400 && /data: URLs/.test(err.message)
    )
    await node.workers.remove('llm-1')
    await assert.rejects(
      client().chat.completions.create({ model: 'tiny-llama', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 503 && /No worker in the federation serves chat/.test(err.message)
    )
  })
})
