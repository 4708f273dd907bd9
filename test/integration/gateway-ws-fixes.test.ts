import assert from 'node:assert/strict'
import { toString as bytesToString, fromString } from 'uint8arrays'
import type { RentahalNode } from '../../node/index.js'
import { LEGACY_ERRORS } from '../../protocol/index.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode, type TestNodeOptions, wsUrl } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'
import { waitUntil } from '../helpers/wait.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

const NO_FIRST_SYSOP: TestNodeOptions = {
  config: (c) => {
    c.firstLoopbackUserIsSysop = false
  }
}

const chat = (prompt: string, model_type = 'worker_node'): Frame => ({
  type: 'submit_query',
  query: { prompt, query_type: 'chat', model_type, model_name: '' }
})

describe('gateway /ws: sysops and the fixes of the original’s bugs (§10)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let node: RentahalNode | undefined
  let worker: LegacyTestWorker | undefined
  const clients: WsClient[] = []

  const start = async (options: TestNodeOptions = {}, workerOptions = {}): Promise<RentahalNode> => {
    worker = await new LegacyTestWorker(workerOptions).start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url, { name: 'chat-1' })], ...options })
    return node
  }
  const connect = async (cookie?: string): Promise<WsClient> => {
    const c = await WsClient.connect(wsUrl(node as RentahalNode), cookie)
    clients.push(c)
    return c
  }
  /** A connected user and its GUID. */
  const user = async (): Promise<{ ws: WsClient; guid: string }> => {
    const ws = await connect()
    const frames = await ws.handshake()
    return { ws, guid: (frames[0] as Frame).value as string }
  }
  const sysopOf = async (n: RentahalNode): Promise<WsClient> => {
    const ws = await connect()
    await ws.handshake()
    ws.send({ type: 'sysop_login', token: n.adminToken })
    await ws.next((f) => f.type === 'user_info' && (f.data as Frame).is_sysop === true)
    return ws
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await node?.stop()
    node = undefined
    await worker?.stop()
    worker = undefined
    await temp.cleanup()
  })

  it('the first loopback user of a fresh node is sysop and gets active_users last in the handshake', async () => {
    await start()
    const first = await connect()
    const frames = await first.handshake('active_users')
    assert.equal(((frames[1] as Frame).data as Frame).is_sysop, true)
    assert.equal(frames.at(-2)?.type, 'huggingface_update')
    const guid = (frames[0] as Frame).value
    assert.deepEqual((frames.at(-1) as Frame).users, [guid])
    // The second user is not.
    const second = await connect()
    const frames2 = await second.handshake()
    assert.equal(((frames2[1] as Frame).data as Frame).is_sysop, false)
  })

  it('a ban closes every socket of the banned user at once; they cannot come back until unbanned', async () => {
    const n = await start(NO_FIRST_SYSOP)
    const sysop = await sysopOf(n)
    const { ws: tab1, guid } = await user()
    const tab2 = await connect(guid)
    await tab2.handshake()
    sysop.send({ type: 'ban_user', user_guid: guid })
    for (const tab of [tab1, tab2]) {
      assert.equal((await tab.nextOfType('error')).message, LEGACY_ERRORS.banned)
      assert.deepEqual(await tab.waitClosed(), { code: 1008, reason: 'Banned' })
    }
    // Coming back: user_info, the banned error, closed — nothing else.
    const again = await connect(guid)
    assert.equal((await again.next()).type, 'user_info')
    assert.equal((await again.next()).message, LEGACY_ERRORS.banned)
    assert.equal((await again.waitClosed()).code, 1008)
    sysop.send({ type: 'unban_user', user_guid: guid })
    await sysop.nextOfType('user_unbanned')
    const back = await connect(guid)
    await back.handshake()
    back.send(chat('I am back'))
    assert.equal((await back.nextOfType('query_result')).result, 'echo: I am back')
  })

  it('terminate_query cancels the user’s running query at the worker and its queued ones', async () => {
    const n = await start(NO_FIRST_SYSOP, { delayMs: 60_000 })
    const sysop = await sysopOf(n)
    const { ws, guid } = await user()
    ws.send(chat('long job'))
    ws.send(chat('queued job'))
    await worker?.waitForCalls(1)
    await waitUntil(() => n.realms.forType('chat').depth === 2, 'both queries in the realm')
    sysop.send({ type: 'terminate_query', user_guid: guid })
    assert.equal((await ws.nextOfType('query_terminated')).guid, guid)
    await waitUntil(() => worker?.calls[0]?.aborted === true, 'the worker call to be aborted')
    await waitUntil(() => n.realms.forType('chat').depth === 0, 'the realm to be empty')
    assert.equal(worker?.calls.length, 1, 'the queued query never reached the worker')
    // The cancelled queries get no answer: the next frame after a fresh request is its reply.
    ws.send({ type: 'get_previous_queries' })
    const next = await ws.next((f) => !['queue_update', 'query_started'].includes(f.type))
    assert.equal(next.type, 'previous_queries')
    assert.deepEqual(next.data, [])
  })

  it('a second tab keeps receiving broadcasts, and a dead socket breaks no broadcast', async () => {
    const n = await start(NO_FIRST_SYSOP)
    const sysop = await sysopOf(n)
    const { ws: tab1, guid } = await user()
    const tab2 = await connect(guid)
    await tab2.handshake()
    const dead = await connect()
    await dead.handshake()
    dead.socket.terminate() // no close handshake: the server learns late
    sysop.send({ type: 'sysop_message', message: 'all hands' })
    for (const tab of [tab1, tab2]) assert.equal((await tab.nextOfType('sysop_message')).message, 'all hands')
    // Both tabs also see the queue state the first one causes.
    tab1.send(chat('from tab 1'))
    await tab2.nextOfType('queue_update')
    assert.equal((await tab1.nextOfType('query_result')).result, 'echo: from tab 1')
  })

  it('queue_update counts real workers, and the idle tick keeps sending it (50 ms tick here; 1 s by default)', async () => {
    const second = await new LegacyTestWorker().start()
    try {
      await start({ init: { queueTickMs: 50 } })
      node?.workers.add(legacyWorker(second.url, { name: 'chat-2' }))
      const { ws } = await user()
      const ticks: Frame[] = []
      for (let i = 0; i < 3; i++) ticks.push(await ws.nextOfType('queue_update'))
      for (const t of ticks) assert.deepEqual(t, { type: 'queue_update', depth: 0, total: 2 })
    } finally {
      await second.stop()
    }
  })

  it('queue_update during a burst: at most one broadcast per 50 ms, and the last one shows the queue empty', async () => {
    await start({ init: { queueTickMs: 0 } })
    const { ws: sender } = await user()
    const { ws: observer } = await user()
    const seenFrom = observer.frames.length
    const started = performance.now()
    for (let i = 0; i < 40; i++) sender.send(chat(`burst ${i}`))
    for (let i = 0; i < 40; i++) await sender.nextOfType('query_result')
    await waitUntil(() => {
      const last = observer.frames.filter((f, i) => i >= seenFrom && f.type === 'queue_update').pop()
      return last?.depth === 0
    }, 'the observer to see the queue empty')
    const elapsed = performance.now() - started
    const updates = observer.frames.slice(seenFrom).filter((f) => f.type === 'queue_update')
    // 40 submits and 40 results would be 80 broadcasts unthrottled.
    assert.ok(updates.length <= Math.ceil(elapsed / 50) + 1, `${updates.length} broadcasts in ${elapsed.toFixed(0)} ms`)
  })

  it('the greeting lists connected users with their nickname, queries and cost as of now', async () => {
    await start(NO_FIRST_SYSOP)
    const { ws: alice } = await user()
    alice.send({ type: 'set_nickname', nickname: 'alice' })
    await alice.nextOfType('user_info')
    alice.send(chat('one'))
    const result = await alice.nextOfType('query_result')
    const bob = await connect()
    const greeting = (await bob.handshake()).filter((f) => f.type === 'sysop_message').map((f) => f.message as string)
    assert.ok(greeting.includes('Currently connected users: 2\nMost users ever connected: 2'), greeting.join(' | '))
    const listing = greeting.find((m) => m.startsWith('Connected users:')) as string
    assert.match(listing, new RegExp(`Nick: alice, Queries: 1, Total cost: \\$${(result.cost as number).toFixed(2)}`))
    assert.match(listing, /Nick: user_[0-9a-f]{8}, Queries: 0, Total cost: \$0\.00/)
  })

  it('speech without a speech worker: a clear error, and spoken answers fall back to text', async () => {
    await start()
    const { ws } = await user()
    ws.send({ type: 'speech_to_text', audio: bytesToString(fromString('hello'), 'base64') })
    assert.equal((await ws.nextOfType('error')).message, 'No speech-to-text worker available')
    ws.send({ type: 'text_to_speech', text: 'hello' })
    assert.equal((await ws.nextOfType('error')).message, 'No text-to-speech worker available')
    ws.send(chat('say it', 'speech'))
    const result = await ws.nextOfType('query_result')
    assert.equal(result.result_type, 'text')
    assert.equal(result.result, 'echo: say it')
  })

  it('sysop rights granted through the admin API reach the open socket at once', async () => {
    const n = await start(NO_FIRST_SYSOP)
    const { ws, guid } = await user()
    ws.send({ type: 'get_stats' })
    assert.equal((await ws.nextOfType('error')).message, LEGACY_ERRORS.unknownType)
    const res = await fetch(`${n.httpUrl}/api/admin/sysops`, {
      method: 'POST',
      headers: { authorization: `Bearer ${n.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_guid: guid })
    })
    assert.equal(res.status, 200)
    assert.equal(((await ws.nextOfType('user_info')).data as Frame).is_sysop, true)
    ws.send({ type: 'get_stats' })
    await ws.nextOfType('system_stats')
  })
})
