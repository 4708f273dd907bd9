import assert from 'node:assert/strict'
import sharp from 'sharp'
import { toString as bytesToString, fromString } from 'uint8arrays'
import type { RentahalNode } from '../../node/index.js'
import { LEGACY_ERRORS, SYSOP_MESSAGE_TYPES } from '../../protocol/index.js'
import { A1111TestServer, makePng } from '../helpers/a1111-worker.js'
import { assertLegacyFrame, SERVER_FRAMES } from '../helpers/legacy-shapes.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode, wsUrl } from '../helpers/node.js'
import { speechWorker, TestSpeechAdapter, withSpeechAdapter } from '../helpers/speech-adapter.js'
import { TempDirs } from '../helpers/temp.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

/** Frames we add to the legacy protocol (documented in the README); everything else must match §2.3. */
const EXTENSIONS = new Set(['query_started', 'query_chunk', 'pong'])

const SYSOP_FRAMES: Record<string, Frame> = {
  get_stats: { type: 'get_stats' },
  add_worker: { type: 'add_worker', worker: { name: 'x', address: '127.0.0.1:1', type: 'chat' } },
  remove_worker: { type: 'remove_worker', worker_name: 'x' },
  add_huggingface_model: { type: 'add_huggingface_model', model: { name: 'gpt2', type: 'chat' } },
  remove_huggingface_model: { type: 'remove_huggingface_model', model_name: 'gpt2' },
  ban_user: { type: 'ban_user', user_guid: '00000000-0000-4000-8000-000000000001' },
  unban_user: { type: 'unban_user', user_guid: '00000000-0000-4000-8000-000000000001' },
  terminate_query: { type: 'terminate_query', user_guid: '00000000-0000-4000-8000-000000000001' },
  sysop_message: { type: 'sysop_message', message: 'hello' }
}

const query = (prompt: string, query_type: string, extra: Record<string, unknown> = {}): Frame => ({
  type: 'submit_query',
  query: { prompt, query_type, model_type: 'worker_node', model_name: '', ...extra }
})

describe('gateway /ws: every legacy message type (§2)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  const seen = new Set<string>()
  let node: RentahalNode | undefined
  let chat: LegacyTestWorker
  let vision: LegacyTestWorker
  let imagine: A1111TestServer
  let speech: TestSpeechAdapter
  const clients: WsClient[] = []

  const connect = async (cookie?: string): Promise<WsClient> => {
    const c = await WsClient.connect(wsUrl(node as RentahalNode), cookie)
    clients.push(c)
    return c
  }

  beforeEach(async () => {
    chat = await new LegacyTestWorker({ answer: (b) => `chat: ${String(b.prompt)}` }).start()
    vision = await new LegacyTestWorker({ answer: (b) => `saw ${String(b.image).length} base64 chars` }).start()
    imagine = await new A1111TestServer().start()
    speech = new TestSpeechAdapter()
    node = await startTestNode(temp, {
      workers: [
        legacyWorker(chat.url, { name: 'chat-1' }),
        legacyWorker(vision.url, { name: 'vision-1', type: 'vision' }),
        legacyWorker(imagine.url, { name: 'sd-1', type: 'imagine' }),
        speechWorker()
      ],
      config: (c) => {
        c.firstLoopbackUserIsSysop = false
      },
      init: { createAdapter: withSpeechAdapter(speech) }
    })
  })

  afterEach(async () => {
    // Every frame any client received has the legacy fields of its type.
    for (const c of clients.splice(0)) {
      for (const f of c.frames) if (!EXTENSIONS.has(f.type)) assertLegacyFrame(f, seen)
      c.close()
    }
    await node?.stop()
    node = undefined
    await Promise.all([chat.stop(), vision.stop(), imagine.stop()])
    await temp.cleanup()
  })

  after(() => {
    const missing = Object.keys(SERVER_FRAMES).filter((t) => !seen.has(t))
    assert.deepEqual(missing, [], 'server → client types never exercised')
  })

  it('user messages: previous queries, pong, nickname and a query of each of the four types', async () => {
    const client = await connect()
    const frames = await client.handshake()
    assert.deepEqual(
      frames.map((f) => f.type),
      ['set_cookie', 'user_info', ...Array(6).fill('sysop_message'), 'previous_queries', 'worker_update', 'huggingface_update']
    )
    assert.equal(((frames[9] as Frame).workers as unknown[]).length, 4)

    // pong gets no answer; the next frame is the answer to get_previous_queries.
    client.send({ type: 'pong' })
    client.send({ type: 'get_previous_queries', messageId: 'msg_1_1' })
    assert.equal((await client.next()).type, 'previous_queries')

    client.send({ type: 'set_nickname', nickname: 'Dave', messageId: 'msg_2_2' })
    assert.equal(((await client.nextOfType('user_info')).data as Frame).nickname, 'Dave')

    // Chat, with the v2 client's messageId ignored.
    client.send({ ...query('open the pod bay doors', 'chat'), messageId: 'msg_3_3' })
    const update = await client.nextOfType('queue_update')
    assert.equal(update.total, 4, 'total counts the registered workers')
    const text = await client.nextOfType('query_result')
    assert.equal(text.result, 'chat: open the pod bay doors')
    assert.equal(text.result_type, 'text')

    // Vision with an inline image: passed to the worker as sent.
    const png = await makePng(40, 30)
    client.send(query('what is this', 'vision', { image: png.toString('base64') }))
    assert.equal((await client.nextOfType('query_result')).result, `saw ${png.toString('base64').length} base64 chars`)
    assert.equal(vision.calls[0]?.body.type, 'vision')

    // Imagine: a base64 PNG from AUTOMATIC1111 with the legacy parameters.
    client.send(query('a red fox', 'imagine'))
    const image = await client.nextOfType('query_result')
    assert.equal(image.result_type, 'image')
    assert.deepEqual(Buffer.from(image.result as string, 'base64'), imagine.png)
    assert.equal(imagine.calls[0]?.prompt, 'a red fox')
    assert.equal(imagine.calls[0]?.steps, 50)

    // Speech: audio transcribed by the speech worker, answered by the chat worker, spoken back.
    const audio = bytesToString(fromString('what time is it'), 'base64')
    client.send({ type: 'submit_query', query: { prompt: '', query_type: 'speech', model_type: 'speech', model_name: '', audio } })
    const spoken = await client.nextOfType('query_result')
    assert.equal(spoken.result_type, 'audio')
    assert.equal(
      Buffer.from(spoken.result as string, 'base64')
        .subarray(0, 4)
        .toString(),
      'RIFF'
    )
    assert.equal(chat.calls.at(-1)?.body.prompt, 'what time is it')
    assert.deepEqual(speech.synthesized, ['chat: what time is it'])

    client.send({ type: 'get_previous_queries' })
    const history = (await client.nextOfType('previous_queries')).data as Frame[]
    assert.deepEqual(
      history.map((h) => h.query_type),
      ['chat', 'imagine', 'vision', 'chat'],
      'newest first; speech is recorded as the chat it became'
    )
  })

  it('a 3-chunk vision upload reaches the worker as one JPEG of at most 512 px', async () => {
    const client = await connect()
    await client.handshake()
    const b64 = (await makePng(1200, 900)).toString('base64')
    const size = Math.ceil(b64.length / 3)
    const parts = [b64.slice(0, size), b64.slice(size, 2 * size), b64.slice(2 * size)]
    const image_id = String(Date.now())
    parts.forEach((chunk_data, chunk_id) => {
      client.send({
        type: 'vision_chunk',
        chunk_id,
        total_chunks: 3,
        chunk_data,
        image_id,
        prompt: 'describe',
        query_type: 'vision',
        model_type: 'worker_node',
        model_name: 'default_vision_model'
      })
    })
    assert.equal((await client.next()).type, 'vision_chunk_received')
    assert.equal((await client.next()).type, 'vision_chunk_received')
    const complete = await client.nextOfType('vision_upload_complete')
    assert.equal(complete.message, 'Image upload complete and processed')
    await client.nextOfType('query_result')
    assert.equal(vision.calls.length, 1)
    const sent = vision.calls[0]?.body
    assert.equal(sent?.prompt, 'describe')
    assert.equal(sent?.model_name, 'default_vision_model')
    const meta = await sharp(Buffer.from(sent?.image as string, 'base64')).metadata()
    assert.equal(meta.format, 'jpeg')
    assert.equal(meta.width, 512)
    assert.equal(meta.height, 384)
  })

  it('speech_to_text and text_to_speech use the speech worker', async () => {
    const client = await connect()
    await client.handshake()
    client.send({ type: 'speech_to_text', audio: bytesToString(fromString('computer, chat mode'), 'base64') })
    assert.equal((await client.nextOfType('transcription_result')).text, 'computer, chat mode')
    client.send({ type: 'text_to_speech', text: 'Chat mode.' })
    const wav = Buffer.from((await client.nextOfType('speech_result')).audio as string, 'base64')
    assert.equal(wav.subarray(8, 12).toString(), 'WAVE')
    assert.deepEqual(speech.synthesized, ['Chat mode.'])
  })

  it('sysop messages: unknown without the admin token, every one works after sysop_login', async () => {
    const user = await connect()
    const userGuid = ((await user.handshake())[0] as Frame).value as string
    const sysop = await connect()
    await sysop.handshake()
    for (const [type, frame] of Object.entries(SYSOP_FRAMES)) {
      assert.ok(SYSOP_MESSAGE_TYPES.has(type))
      sysop.send(frame)
      assert.equal((await sysop.nextOfType('error')).message, LEGACY_ERRORS.unknownType, type)
    }
    assert.equal(node?.workers.get('x'), undefined, 'nothing happened')

    sysop.send({ type: 'sysop_login', token: 'f'.repeat(64) })
    assert.equal((await sysop.nextOfType('error')).message, LEGACY_ERRORS.badAdminToken)
    sysop.send({ type: 'sysop_login', token: node?.adminToken })
    assert.equal(((await sysop.nextOfType('user_info')).data as Frame).is_sysop, true)
    assert.ok(((await sysop.nextOfType('active_users')).users as string[]).includes(userGuid))

    sysop.send({ type: 'get_stats' })
    assert.equal(((await sysop.nextOfType('system_stats')).data as Frame).total_queries, 0)
    assert.ok(((await sysop.nextOfType('user_stats')).data as Frame[]).some((u) => u.guid === userGuid))
    assert.equal(((await sysop.nextOfType('worker_health')).data as Frame[]).length, 4)

    sysop.send({ type: 'add_worker', worker: { name: 'extra', address: '127.0.0.1:9', type: 'chat', health_score: 100 } })
    const added = await user.next((f) => f.type === 'worker_update' && (f.workers as Frame[]).some((w) => w.name === 'extra'))
    assert.equal((added.workers as Frame[]).find((w) => w.name === 'extra')?.address, '127.0.0.1:9')
    sysop.send({ type: 'remove_worker', worker_name: 'extra' })
    await user.next((f) => f.type === 'worker_update' && !(f.workers as Frame[]).some((w) => w.name === 'extra'))

    sysop.send({ type: 'add_huggingface_model', model: { name: 'gpt2', type: 'chat' } })
    assert.deepEqual((await user.nextOfType('huggingface_update')).models, [{ name: 'gpt2', type: 'chat' }])
    sysop.send({ type: 'remove_huggingface_model', model_name: 'gpt2' })
    assert.deepEqual((await user.nextOfType('huggingface_update')).models, [])

    sysop.send({ type: 'sysop_message', message: 'Maintenance at noon' })
    assert.equal((await user.nextOfType('sysop_message')).message, 'Maintenance at noon')

    sysop.send({ type: 'terminate_query', user_guid: userGuid })
    assert.equal((await user.nextOfType('query_terminated')).guid, userGuid)
    sysop.send({ type: 'unban_user', user_guid: userGuid })
    assert.equal((await user.nextOfType('user_unbanned')).guid, userGuid)
    sysop.send({ type: 'ban_user', user_guid: userGuid })
    assert.equal((await sysop.nextOfType('user_banned')).guid, userGuid)
    assert.equal((await user.waitClosed()).code, 1008)
  })
})
