import assert from 'node:assert/strict'
import sharp from 'sharp'
import { toString as bytesToString, fromString } from 'uint8arrays'
import { REST_ANONYMOUS_GUID } from '../../node/gateway/index.js'
import type { RentahalNode } from '../../node/index.js'
import { LEGACY_ERRORS, legacyCost } from '../../protocol/index.js'
import { A1111TestServer, makePng } from '../helpers/a1111-worker.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode } from '../helpers/node.js'
import { speechWorker, TestSpeechAdapter, withSpeechAdapter } from '../helpers/speech-adapter.js'
import { TempDirs } from '../helpers/temp.js'

const GUID = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b'

describe('gateway legacy REST routes (§3)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let node: RentahalNode
  let chat: LegacyTestWorker
  let vision: LegacyTestWorker
  let imagine: A1111TestServer
  let speech: TestSpeechAdapter

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; type: string }> => {
    const res = await fetch(`${node.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body)
    })
    return { status: res.status, body: await res.json(), type: res.headers.get('content-type') ?? '' }
  }
  const q = (prompt: string, query_type = 'chat', extra: Record<string, unknown> = {}) => ({
    prompt,
    query_type,
    model_type: 'worker_node',
    model_name: '',
    ...extra
  })

  beforeEach(async () => {
    chat = await new LegacyTestWorker().start()
    vision = await new LegacyTestWorker({ answer: (b) => `image of ${String(b.image).length} chars` }).start()
    imagine = await new A1111TestServer().start(96, 64)
    speech = new TestSpeechAdapter()
    node = await startTestNode(temp, {
      workers: [
        legacyWorker(chat.url, { name: 'chat-1' }),
        legacyWorker(vision.url, { name: 'vision-1', type: 'vision' }),
        legacyWorker(imagine.url, { name: 'sd-1', type: 'imagine' }),
        speechWorker()
      ],
      init: { createAdapter: withSpeechAdapter(speech) }
    })
  })

  afterEach(async () => {
    await node.stop()
    await Promise.all([chat.stop(), vision.stop(), imagine.stop()])
    await temp.cleanup()
  })

  it('POST /api/chat answers a bare JSON string and counts the query in the caller’s history and costs', async () => {
    const res = await post('/api/chat', { ...q('hello'), messageId: 'ignored' }, { 'x-user-guid': GUID })
    assert.equal(res.status, 200)
    assert.match(res.type, /^application\/json/)
    assert.equal(res.body, 'echo: hello')
    const user = await node.users.get(GUID)
    assert.equal(user?.queryCount, 1)
    const [row] = await node.users.history(GUID, 10)
    assert.equal(row?.prompt, 'hello')
    assert.ok(Math.abs((user?.totalCost ?? 0) - legacyCost(row?.processing_time ?? 0)) < 1e-12)
    // Without a GUID the shared anonymous REST user is charged.
    await post('/api/chat', q('anon'))
    assert.equal((await node.users.get(REST_ANONYMOUS_GUID))?.queryCount, 1)
    // The user_guid cookie works too.
    await post('/api/chat', q('cookie'), { cookie: `user_guid=${GUID}` })
    assert.equal((await node.users.get(GUID))?.queryCount, 2)
  })

  it('POST /api/vision forces the vision type and passes the image on', async () => {
    const png = (await makePng(20, 10)).toString('base64')
    const res = await post('/api/vision', q('what is it', 'chat', { image: png }))
    assert.equal(res.body, `image of ${png.length} chars`)
    assert.equal(vision.calls[0]?.body.type, 'vision')
  })

  it('POST /api/imagine answers the PNG from AUTOMATIC1111 as a base64 string', async () => {
    const res = await post('/api/imagine', q('a lighthouse at dusk', 'chat'))
    assert.equal(res.status, 200)
    const png = Buffer.from(res.body as string, 'base64')
    assert.deepEqual(png, imagine.png)
    const meta = await sharp(png).metadata()
    assert.equal(meta.format, 'png')
    assert.equal(meta.width, 96)
    assert.equal(imagine.calls[0]?.prompt, 'a lighthouse at dusk')
  })

  it('POST /api/whisper transcribes and POST /api/bark speaks, both counted', async () => {
    const audio = bytesToString(fromString('turn on the lights'), 'base64')
    const heard = await post('/api/whisper', q('', 'speech', { audio }), { 'x-user-guid': GUID })
    assert.equal(heard.body, 'turn on the lights')
    const spoken = await post('/api/bark', q('Lights on.', 'speech'), { 'x-user-guid': GUID })
    const wav = Buffer.from(spoken.body as string, 'base64')
    assert.equal(wav.subarray(0, 4).toString(), 'RIFF')
    assert.deepEqual(speech.synthesized, ['Lights on.'])
    assert.equal((await node.users.get(GUID))?.queryCount, 2)
    assert.equal((await post('/api/whisper', q('', 'speech'))).status, 400)
  })

  it('answers FastAPI-style errors: bad body 400, no worker 503, banned 403', async () => {
    const missing = await post('/api/chat', { prompt: 'x', query_type: 'chat' })
    assert.equal(missing.status, 400)
    assert.match((missing.body as { detail: string }).detail, /model_type/)
    const badType = await post('/api/chat', q('x', 'teleport'))
    assert.equal(badType.status, 400)
    assert.deepEqual(badType.body, { detail: 'Unknown query type: teleport' })
    await node.workers.remove('chat-1')
    const none = await post('/api/chat', q('anyone?'))
    assert.equal(none.status, 503)
    assert.deepEqual(none.body, { detail: 'No worker in the federation serves chat' })
    await node.users.getOrCreate(GUID)
    await node.users.setBanned(GUID, true)
    const banned = await post('/api/vision', q('x'), { 'x-user-guid': GUID })
    assert.equal(banned.status, 403)
    assert.deepEqual(banned.body, { detail: LEGACY_ERRORS.banned })
  })

  it('GET /debug/system_status is kept read-only, and no sysop escalation route exists', async () => {
    const status = await (await fetch(`${node.httpUrl}/debug/system_status`)).json()
    assert.deepEqual(status, { database_exists: true, total_workers: 4, queue_depth: 0, huggingface_models: 0 })
    for (const [method, path] of [
      ['POST', `/debug/set_sysop/${GUID}`],
      ['GET', `/debug/check_sysop/${GUID}`],
      ['POST', '/debug/init_db']
    ] as const) {
      assert.equal((await fetch(`${node.httpUrl}${path}`, { method })).status, 404, path)
    }
    assert.equal(await node.users.get(GUID), undefined)
  })
})
