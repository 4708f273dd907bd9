import assert from 'node:assert/strict'
import type { LoadBalancing, RentahalNode, WorkerConfig } from '../../node/index.js'
import {
  autodetectWorkers,
  createWorkerAdapter,
  detectLocalServers,
  HEALTH_RESTORED,
  type LocalServerProbe,
  WorkerRegistry,
  type WorkerRequest
} from '../../node/workers/index.js'
import { closedPort, FakeOllama, FakeOpenAI, FakeSpeech, tinyWav } from '../helpers/model-servers.js'
import { startTestNode, wsUrl } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

const openai = (name: string, url: string, over: Partial<WorkerConfig> = {}): WorkerConfig => ({
  name,
  kind: 'openai',
  type: 'chat',
  url,
  models: [],
  capacity: 1,
  ...over
})

const ask = (prompt: string, modelName = ''): WorkerRequest => ({ queryType: 'chat', prompt, modelType: 'worker_node', modelName })

describe('workers: health, strategies, persistence, auto-detection, speech (real HTTP workers)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  const servers: Array<{ stop(): Promise<void> }> = []
  const clients: WsClient[] = []
  let node: RentahalNode | undefined

  const serve = async <T extends { start(): Promise<T>; stop(): Promise<void> }>(server: T): Promise<T> => {
    servers.push(server)
    return server.start()
  }

  const start = async (workers: WorkerConfig[], balancing: LoadBalancing = 'health', dataDir?: string): Promise<RentahalNode> => {
    node = await startTestNode(temp, {
      workers,
      dataDir,
      config: (c) => {
        for (const realm of c.realms) realm.loadBalancing = balancing
      }
    })
    return node
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await node?.stop()
    node = undefined
    await Promise.all(servers.splice(0).map((s) => s.stop()))
    await temp.cleanup()
  })

  it('blacklists a worker that stops answering, warns sysops, moves traffic, and takes it back at 50', async () => {
    const a = await serve(new FakeOpenAI({ models: ['m'] }))
    const b = await serve(new FakeOpenAI({ models: ['m'] }))
    const n = await start([openai('a', a.url), openai('b', b.url)])
    const sysop = await WsClient.connect(wsUrl(n))
    clients.push(sysop)
    await sysop.next((f) => f.type === 'user_info' && (f.data as Frame).is_sysop === true, 5_000, 'sysop user_info')
    const chatRealm = n.realms.forType('chat')

    assert.equal((await chatRealm.submit(ask('first'))).worker, 'a')
    a.down = true
    const warning = sysop.next((f) => f.type === 'sysop_message' && f.message === 'WARNING: Worker a has been blacklisted', 10_000, 'the blacklist warning')
    const wa = n.workers.get('a')
    assert.ok(wa)
    for (let i = 0; i < 25 && !wa.blacklisted; i++) await n.workers.checkAll()
    assert.equal(wa.blacklisted, true)
    assert.equal(wa.healthScore, 0)
    await warning

    const before = a.calls('/v1/chat/completions').length
    for (const p of ['second', 'third']) assert.equal((await chatRealm.submit(ask(p))).worker, 'b')
    assert.equal(a.calls('/v1/chat/completions').length, before)

    a.down = false
    await n.workers.checkAll()
    assert.equal(wa.blacklisted, false)
    assert.equal(wa.healthScore, HEALTH_RESTORED)
    // b is healthier now, so `health` prefers it; with b gone, a serves again.
    assert.equal((await chatRealm.submit(ask('fourth'))).worker, 'b')
    await n.workers.remove('b')
    assert.equal((await chatRealm.submit(ask('fifth'))).worker, 'a')
  })

  it('round_robin alternates exactly between two workers', async () => {
    const a = await serve(new FakeOpenAI())
    const b = await serve(new FakeOpenAI())
    const n = await start([openai('a', a.url, { capacity: 4 }), openai('b', b.url, { capacity: 4 })], 'round_robin')
    const served: string[] = []
    for (let i = 0; i < 6; i++) served.push((await n.realms.forType('chat').submit(ask(`q${i}`))).worker)
    assert.deepEqual(served, ['a', 'b', 'a', 'b', 'a', 'b'])
  })

  it('least_busy gives the next query to the idle worker', async () => {
    const a = await serve(new FakeOpenAI())
    const b = await serve(new FakeOpenAI())
    a.mode = 'hang'
    const n = await start([openai('a', a.url, { capacity: 2 }), openai('b', b.url, { capacity: 2 })], 'least_busy')
    const chatRealm = n.realms.forType('chat')
    const controller = new AbortController()
    const busy = chatRealm.submit(ask('slow'), { signal: controller.signal })
    await a.waitFor('/v1/chat/completions')
    assert.equal(n.workers.get('a')?.inFlight, 1)
    assert.equal((await chatRealm.submit(ask('quick'))).worker, 'b')
    assert.equal((await chatRealm.submit(ask('quick again'))).worker, 'b')
    controller.abort()
    await assert.rejects(busy, { name: 'QueryAbortedError' })
  })

  it('sends a pinned model only to the worker serving it, whatever the strategy', async () => {
    const a = await serve(new FakeOpenAI({ models: ['alpha'] }))
    const b = await serve(new FakeOpenAI({ models: ['beta'] }))
    const n = await start([openai('a', a.url, { models: ['alpha'] }), openai('b', b.url, { models: ['beta'] })], 'round_robin')
    const chatRealm = n.realms.forType('chat')
    for (let i = 0; i < 4; i++) {
      const out = await chatRealm.submit(ask(`pinned ${i}`, 'beta'))
      assert.equal(out.worker, 'b')
      assert.deepEqual(out.result, { type: 'text', text: `echo from beta: pinned ${i}` })
    }
    assert.equal(a.calls('/v1/chat/completions').length, 0)
    // A model nobody serves goes to any worker of the type.
    const any = await chatRealm.submit(ask('anything', 'gamma'))
    assert.ok(any.worker === 'a' || any.worker === 'b')
  })

  it('keeps workers added with persist: true across a restart, and forgets removed ones', async () => {
    const a = await serve(new FakeOpenAI({ models: ['m'] }))
    const dataDir = await temp.make()
    let n = await start([], 'health', dataDir)
    const saved = n.workers.add(openai('kept', a.url, { models: ['m'], apiKey: 'k' }), { persist: true })
    await saved.saved
    n.workers.add(openai('transient', a.url))
    await n.stop()

    n = await start([], 'health', dataDir)
    assert.deepEqual(
      n.workers.list().map((w) => [w.name, w.persisted]),
      [['kept', true]]
    )
    assert.deepEqual(n.workers.get('kept')?.config, openai('kept', a.url, { models: ['m'], apiKey: 'k' }))
    assert.equal((await n.realms.forType('chat').submit(ask('still here'))).worker, 'kept')
    const listed = (await (await fetch(`${n.httpUrl}/api/workers`)).json()) as { workers: Array<Record<string, unknown>> }
    assert.equal(listed.workers.length, 1)
    assert.equal(listed.workers[0]?.name, 'kept')
    assert.equal(listed.workers[0]?.persisted, true)
    assert.equal(listed.workers[0]?.healthScore, 100)
    assert.equal(listed.workers[0]?.served, 1)
    assert.ok(!JSON.stringify(listed).includes('"k"'), 'the api key must not be listed')

    await n.workers.remove('kept')
    await n.stop()
    n = await start([], 'health', dataDir)
    assert.deepEqual(n.workers.list(), [])
  })

  it('auto-detects model servers on injected loopback probes and registers them with their models', async () => {
    const ollama = await serve(new FakeOllama({ models: ['llama3.2:latest', 'llava:7b'] }))
    const vllm = await serve(new FakeOpenAI({ models: ['Qwen/Qwen2.5-0.5B-Instruct'] }))
    const probes: LocalServerProbe[] = [
      { label: 'ollama', kind: 'ollama', url: ollama.url },
      { label: 'vllm', kind: 'openai', url: vllm.url },
      { label: 'lm-studio', kind: 'openai', url: `http://127.0.0.1:${await closedPort()}` },
      // An Ollama port answering something else is not a worker.
      { label: 'not-ollama', kind: 'ollama', url: vllm.url }
    ]
    const registry = new WorkerRegistry({ healthCheckIntervalMs: 0, noBlacklistImagine: true, createAdapter: createWorkerAdapter })
    const added = await autodetectWorkers(registry, { probes })
    const host = (url: string): string => new URL(url).host
    assert.deepEqual(
      added.map((w) => [w.name, w.type, w.config.kind, w.config.models, w.origin]),
      [
        [`ollama@${host(ollama.url)}`, 'chat', 'ollama', ['llama3.2:latest'], 'autodetect'],
        [`ollama-vision@${host(ollama.url)}`, 'vision', 'ollama', ['llava:7b'], 'autodetect'],
        [`vllm@${host(vllm.url)}`, 'chat', 'openai', ['Qwen/Qwen2.5-0.5B-Instruct'], 'autodetect']
      ]
    )
    const answer = await added[2]?.adapter.run(ask('hi'))
    assert.deepEqual(answer, { type: 'text', text: 'echo from Qwen/Qwen2.5-0.5B-Instruct: hi' })
    // Found again (e.g. a second detection pass): nothing is added twice.
    assert.deepEqual(await autodetectWorkers(registry, { probes }), [])
    await assert.rejects(detectLocalServers({ probes: [{ label: 'lan', kind: 'openai', url: 'http://192.168.1.10:8000' }] }), /only probes loopback/)
    await registry.stop()
  })

  it('answers a speech query: transcribe, chat, and speak the answer in voice mode', async () => {
    const stt = await serve(new FakeSpeech())
    const llm = await serve(new FakeOpenAI({ models: ['m'] }))
    const n = await start([openai('llm', llm.url, { models: ['m'] }), { name: 'voice', kind: 'speech', type: 'speech', url: stt.url, models: [], capacity: 1 }])
    const client = await WsClient.connect(wsUrl(n))
    clients.push(client)
    await client.nextOfType('huggingface_update')
    const audio = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 9, 9, 9]).toString('base64')
    const heard = `heard 7 bytes of audio.webm with whisper-1`

    client.send({ type: 'submit_query', query: { prompt: '', query_type: 'speech', model_type: 'worker_node', model_name: '', audio } })
    const text = await client.nextOfType('query_result')
    assert.equal(text.result_type, 'text')
    assert.equal(text.result, `echo from m: ${heard}`)

    client.send({ type: 'submit_query', query: { prompt: '', query_type: 'speech', model_type: 'speech', model_name: '', audio } })
    const spoken = await client.nextOfType('query_result')
    assert.equal(spoken.result_type, 'audio')
    assert.deepEqual(Buffer.from(spoken.result as string, 'base64'), tinyWav())
    assert.deepEqual(
      stt.spoken.map((s) => s.input),
      [`echo from m: ${heard}`]
    )

    // Without a speech worker, audio cannot be understood: a clear error, not a hang.
    await n.workers.remove('voice')
    client.send({ type: 'submit_query', query: { prompt: '', query_type: 'speech', model_type: 'worker_node', model_name: '', audio } })
    const error = await client.nextOfType('error')
    assert.match(error.message as string, /No speech-to-text worker available/)
  })
})
