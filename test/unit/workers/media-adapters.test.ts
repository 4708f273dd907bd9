import assert from 'node:assert/strict'
import type { WorkerConfig } from '../../../node/config/index.js'
import { createWorkerAdapter, LEGACY_TXT2IMG_PARAMS, type WorkerAdapter } from '../../../node/workers/index.js'
import { FakeA1111, FakeSpeech, TINY_PNG, tinyWav } from '../../helpers/model-servers.js'

const WEBM = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3, 4, 5, 6])

describe('a1111 adapter (against a real HTTP server speaking the AUTOMATIC1111 API)', () => {
  let server: FakeA1111
  let adapter: WorkerAdapter

  const setup = async (over: Partial<WorkerConfig> = {}, auth?: string): Promise<void> => {
    server = await new FakeA1111({ auth }).start()
    adapter = createWorkerAdapter({ name: 'sd', kind: 'a1111', type: 'imagine', url: server.url, models: [], capacity: 1, ...over })
  }

  afterEach(async () => {
    await server?.stop()
  })

  it('imagines a PNG with the legacy parameters, and pins a served checkpoint', async () => {
    await setup({ models: ['v1-5-pruned-emaonly.safetensors [6ce0161689]'] })
    const result = await adapter.run({
      queryType: 'imagine',
      prompt: 'a red fox',
      modelType: 'worker_node',
      modelName: 'v1-5-pruned-emaonly.safetensors [6ce0161689]'
    })
    assert.equal(result.type, 'image')
    assert.deepEqual(result.type === 'image' && Buffer.from(result.data), TINY_PNG)
    const req = server.calls('/sdapi/v1/txt2img')[0]
    assert.ok(req)
    assert.deepEqual(JSON.parse(req.body.toString()), {
      prompt: 'a red fox',
      ...LEGACY_TXT2IMG_PARAMS,
      override_settings: { sd_model_checkpoint: 'v1-5-pruned-emaonly.safetensors [6ce0161689]' }
    })
  })

  it('captions an image for vision (CLIP interrogate)', async () => {
    await setup({ type: 'vision' })
    const result = await adapter.run({ queryType: 'vision', prompt: 'what?', modelType: 'worker_node', modelName: '', image: TINY_PNG })
    assert.deepEqual(result, { type: 'text', text: `a picture of ${TINY_PNG.length} bytes` })
  })

  it('reports an error status, and an answer without a PNG', async () => {
    await setup()
    server.mode = 'status'
    await assert.rejects(adapter.run({ queryType: 'imagine', prompt: 'x', modelType: 'w', modelName: '' }), (err: Error & { status?: number }) => {
      return err.name === 'WorkerHttpError' && err.status === 500 && /CUDA out of memory/.test(err.message)
    })
    server.mode = 'ok'
    server.image = undefined
    await assert.rejects(adapter.run({ queryType: 'imagine', prompt: 'x', modelType: 'w', modelName: '' }), /returned no image/)
    server.image = Buffer.from('not a png at all')
    await assert.rejects(adapter.run({ queryType: 'imagine', prompt: 'x', modelType: 'w', modelName: '' }), /not a PNG/)
  })

  it('times out, and aborts when asked, closing the request', async () => {
    await setup()
    server.mode = 'hang'
    await assert.rejects(adapter.run({ queryType: 'imagine', prompt: 'x', modelType: 'w', modelName: '' }, { signal: AbortSignal.timeout(150) }), {
      name: 'WorkerTimeoutError'
    })
    const controller = new AbortController()
    const run = adapter.run({ queryType: 'imagine', prompt: 'y', modelType: 'w', modelName: '' }, { signal: controller.signal })
    await server.waitFor('/sdapi/v1/txt2img', 2)
    controller.abort()
    await assert.rejects(run, { name: 'AbortError' })
    await server.waitAborted(server.calls('/sdapi/v1/txt2img')[1] as never)
  })

  it('checks health on /sdapi/v1/progress (A1111 has no /health), with --api-auth credentials', async () => {
    await setup({ apiKey: 'user:pass' }, 'user:pass')
    assert.equal(await adapter.checkHealth(), 200)
    assert.equal(server.calls('/sdapi/v1/progress').length, 1)
    assert.equal(server.calls('/health').length, 0)
    assert.deepEqual(await adapter.listModels?.(), ['v1-5-pruned-emaonly.safetensors [6ce0161689]'])
    const wrong = createWorkerAdapter({ name: 'sd2', kind: 'a1111', type: 'imagine', url: server.url, models: [], capacity: 1, apiKey: 'user:nope' })
    assert.equal(await wrong.checkHealth(), 401)
  })
})

describe('speech adapter (against a real HTTP server speaking OpenAI-style audio routes)', () => {
  let server: FakeSpeech
  let adapter: WorkerAdapter

  const setup = async (over: Partial<WorkerConfig> = {}): Promise<void> => {
    server = await new FakeSpeech().start()
    adapter = createWorkerAdapter({ name: 'voice', kind: 'speech', type: 'speech', url: server.url, models: [], capacity: 1, ...over })
  }

  afterEach(async () => {
    await server?.stop()
  })

  it('transcribes audio as a multipart upload named after its format', async () => {
    await setup({ sttModel: 'whisper-large', apiKey: 'k' })
    assert.equal(await adapter.transcribe?.(WEBM), `heard ${WEBM.length} bytes of audio.webm with whisper-large`)
    const wav = tinyWav()
    const result = await adapter.run({ queryType: 'speech', prompt: '', modelType: 'speech', modelName: '', audio: wav })
    assert.deepEqual(result, { type: 'text', text: `heard ${wav.length} bytes of audio.wav with whisper-large` })
    assert.equal(server.calls('/v1/audio/transcriptions')[0]?.headers.authorization, 'Bearer k')
  })

  it('speaks text as WAV with the configured model and voice', async () => {
    await setup({ ttsModel: 'kokoro', voice: 'af_sky' })
    const result = await adapter.run({ queryType: 'speech', prompt: 'Hello there.', modelType: 'speech', modelName: '' })
    assert.equal(result.type, 'audio')
    assert.ok(result.type === 'audio' && result.mime === 'audio/wav' && Buffer.from(result.data).equals(tinyWav()))
    assert.deepEqual(server.spoken, [{ model: 'kokoro', input: 'Hello there.', voice: 'af_sky', response_format: 'wav' }])
  })

  it('reports an error status, times out and aborts', async () => {
    await setup()
    server.mode = 'status'
    await assert.rejects(
      adapter.transcribe?.(WEBM) as Promise<string>,
      (err: Error) => err.name === 'WorkerHttpError' && /audio backend down/.test(err.message)
    )
    await assert.rejects(adapter.synthesize?.('x') as Promise<unknown>, { name: 'WorkerHttpError' })
    server.mode = 'hang'
    await assert.rejects(adapter.transcribe?.(WEBM, { signal: AbortSignal.timeout(150) }) as Promise<string>, { name: 'WorkerTimeoutError' })
    const controller = new AbortController()
    const run = adapter.synthesize?.('long text', { signal: controller.signal }) as Promise<unknown>
    await server.waitFor('/v1/audio/speech', 2)
    controller.abort()
    await assert.rejects(run, { name: 'AbortError' })
    assert.equal(await adapter.checkHealth(), 200)
  })
})
