import assert from 'node:assert/strict'
import type { RentahalNode } from '../../node/index.js'
import { LEGACY_ERRORS, legacyCost, WS_MAX_PAYLOAD_BYTES } from '../../protocol/index.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode, wsUrl } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

const chat = (prompt: string, extra: Record<string, unknown> = {}): Frame => ({
  type: 'submit_query',
  query: { prompt, query_type: 'chat', model_type: 'worker_node', model_name: '' },
  ...extra
})

describe('gateway /ws (legacy surface)', () => {
  const temp = new TempDirs()
  let node: RentahalNode | undefined
  let worker: LegacyTestWorker
  const clients: WsClient[] = []

  const connect = async (cookie?: string): Promise<WsClient> => {
    const c = await WsClient.connect(wsUrl(node as RentahalNode), cookie)
    clients.push(c)
    return c
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await node?.stop()
    node = undefined
    await worker?.stop()
    await temp.cleanup()
  })

  it('greets a new user in the legacy order and answers a chat query with time and cost', async () => {
    worker = await new LegacyTestWorker({ delayMs: 20 }).start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url)] })
    const client = await connect()
    const frames = await client.handshake()
    assert.deepEqual(
      frames.map((f) => f.type),
      ['set_cookie', 'user_info', ...Array(6).fill('sysop_message'), 'previous_queries', 'worker_update', 'huggingface_update']
    )
    const cookie = frames[0] as Frame
    assert.equal(cookie.name, 'user_guid')
    const guid = cookie.value as string
    assert.match(guid, /^[0-9a-f-]{36}$/)
    const info = (frames[1] as Frame).data as Record<string, unknown>
    assert.equal(info.guid, guid)
    assert.equal(info.nickname, `user_${guid.slice(0, 8)}`)
    assert.equal(typeof info.is_sysop, 'boolean')
    assert.deepEqual((frames[9] as Frame).workers, [
      {
        name: `w-${worker.url}`,
        address: `127.0.0.1:${worker.port}`,
        type: 'chat',
        health_score: 100,
        is_blacklisted: false,
        last_active: ((frames[9] as Frame).workers as Frame[])[0]?.last_active
      }
    ])

    client.send(chat('hello there'))
    const queued = await client.nextOfType('queue_update')
    assert.equal(typeof queued.depth, 'number')
    assert.equal(queued.total, 1)
    const result = await client.nextOfType('query_result')
    assert.equal(result.result, 'echo: hello there')
    assert.equal(result.result_type, 'text')
    assert.ok((result.processing_time as number) > 0)
    assert.ok(Math.abs((result.cost as number) - legacyCost(result.processing_time as number)) < 1e-12)
    assert.equal(worker.calls[0]?.body.type, 'chat')
    assert.equal(worker.calls[0]?.body.model_type, 'worker_node')

    // The same user comes back on another connection with the cookie.
    const again = await connect(guid)
    const frames2 = await again.handshake()
    assert.notEqual(frames2[0]?.type, 'set_cookie')
    const info2 = (frames2[0] as Frame).data as Record<string, unknown>
    assert.equal(info2.guid, guid)
    assert.equal(info2.query_count, 1)
    const previous = frames2.find((f) => f.type === 'previous_queries') as Frame
    const rows = previous.data as Array<Record<string, unknown>>
    assert.equal(rows.length, 1)
    assert.equal(rows[0]?.prompt, 'hello there')
    assert.equal(rows[0]?.user_guid, guid)
    assert.equal(rows[0]?.query_type, 'chat')
  })

  it('streams chunks to a client that asks for them', async () => {
    worker = await new LegacyTestWorker().start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url)] })
    const client = await connect()
    await client.handshake()
    client.send(chat('stream me', { stream: true }))
    const chunk = await client.nextOfType('query_chunk')
    assert.equal(chunk.text, 'echo: stream me')
    const result = await client.nextOfType('query_result')
    assert.equal(result.result, 'echo: stream me')
  })

  it('answers bad frames with error frames and keeps serving', async () => {
    worker = await new LegacyTestWorker().start()
    node = await startTestNode(temp, {
      workers: [legacyWorker(worker.url)],
      config: (c) => {
        c.firstLoopbackUserIsSysop = false
      }
    })
    const bad = await connect()
    await bad.handshake()
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /^Invalid JSON$/],
      [{ type: 'no_such_type' }, /^Unknown message type$/],
      [{ type: 'submit_query' }, /^Invalid submit_query: query: expected an object$/],
      [{ type: 'submit_query', query: { prompt: 'x', query_type: 'chat' } }, /model_type must be a string/],
      [chat('x', { query: { prompt: 'x', query_type: 'teleport', model_type: 'a', model_name: '' } }), /Unknown query type: teleport/],
      [{ type: 'get_stats' }, /^Unknown message type$/],
      [[1, 2, 3], /expected an object/],
      [{ type: 'submit_query', query: { prompt: 'x', query_type: 'vision', model_type: 'a', model_name: '', image: '!!!' } }, /not base64/]
    ]
    for (const [frame, expected] of cases) {
      bad.send(frame)
      const err = await bad.nextOfType('error')
      assert.match(err.message as string, expected, JSON.stringify(frame))
    }
    // A frame over the limit closes that socket with a reason; others are unaffected.
    const other = await connect()
    await other.handshake()
    bad.send('x'.repeat(WS_MAX_PAYLOAD_BYTES + 1))
    const closed = await bad.waitClosed()
    assert.equal(closed.code, 1009)
    other.send(chat('still here'))
    assert.equal((await other.nextOfType('query_result')).result, 'echo: still here')
  })

  it('rejects the 101st queued query with the legacy queue-full error', async () => {
    worker = await new LegacyTestWorker({ delayMs: 60_000 }).start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url)] })
    const client = await connect()
    await client.handshake()
    for (let i = 0; i < 101; i++) client.send(chat(`q${i}`))
    const err = await client.nextOfType('error')
    assert.equal(err.message, LEGACY_ERRORS.queueFull)
    assert.equal(node.realms.forType('chat').depth, 100)
    // The user leaving cancels their queued and running queries, including the worker call.
    client.close()
    await client.waitClosed()
    const realm = node.realms.forType('chat')
    await waitUntil(() => realm.depth === 0 && worker.calls[0]?.aborted === true, 'queue drained and worker call aborted')
  })

  it('runs as many queries at once as the worker has capacity', async () => {
    worker = await new LegacyTestWorker({ delayMs: 300 }).start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url, { capacity: 4 })] })
    const client = await connect()
    await client.handshake()
    for (let i = 0; i < 6; i++) client.send(chat(`slow ${i}`))
    await worker.waitForCalls(4)
    assert.equal(worker.inFlight, 4)
    for (let i = 0; i < 6; i++) await client.nextOfType('query_result')
    assert.equal(worker.maxInFlight, 4)
    assert.equal(worker.calls.length, 6)
  })

  it('tells the user at once when no worker serves the type', async () => {
    worker = await new LegacyTestWorker().start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url)] })
    const client = await connect()
    await client.handshake()
    client.send({ type: 'submit_query', query: { prompt: 'a cat', query_type: 'imagine', model_type: 'worker_node', model_name: '' } })
    const err = await client.nextOfType('error')
    assert.match(err.message as string, /^No worker in the federation serves imagine$/)
  })

  it('sets a nickname and refuses one that is taken', async () => {
    worker = await new LegacyTestWorker().start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url)] })
    const a = await connect()
    await a.handshake()
    const b = await connect()
    await b.handshake()
    a.send({ type: 'set_nickname', nickname: 'Hal' })
    const info = await a.nextOfType('user_info')
    assert.equal((info.data as Frame).nickname, 'Hal')
    b.send({ type: 'set_nickname', nickname: 'hal' })
    const err = await b.nextOfType('error')
    assert.equal(err.message, LEGACY_ERRORS.nicknameTaken)
  })
})

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
