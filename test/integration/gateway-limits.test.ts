import assert from 'node:assert/strict'
import { once } from 'node:events'
import { WebSocket } from 'ws'
import type { GatewayConfig, RentahalNode } from '../../node/index.js'
import { WS_MAX_PAYLOAD_BYTES } from '../../protocol/index.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode, wsUrl } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'
import { waitUntil } from '../helpers/wait.js'
import { WsClient } from '../helpers/ws-client.js'

const chatBody = (prompt: string): string => JSON.stringify({ prompt, query_type: 'chat', model_type: 'worker_node', model_name: '' })

describe('gateway limits: every rejection says why and the node keeps serving', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let node: RentahalNode | undefined
  let worker: LegacyTestWorker | undefined
  const sockets: Array<WebSocket | WsClient> = []

  const start = async (gateway: Partial<GatewayConfig> = {}, workerOptions = {}): Promise<RentahalNode> => {
    worker = await new LegacyTestWorker(workerOptions).start()
    node = await startTestNode(temp, {
      workers: [legacyWorker(worker.url, { name: 'chat-1' })],
      config: (c) => {
        Object.assign(c.gateway, gateway)
      }
    })
    return node
  }
  const connect = async (n: RentahalNode): Promise<WsClient> => {
    const c = await WsClient.connect(wsUrl(n))
    sockets.push(c)
    return c
  }

  afterEach(async () => {
    for (const s of sockets.splice(0)) s instanceof WsClient ? s.close() : s.terminate()
    await node?.stop()
    node = undefined
    await worker?.stop()
    worker = undefined
    await temp.cleanup()
  })

  it('oversized body → 413; prototype-poisoned JSON → 400; wrong content type → 415', async () => {
    const n = await start({ bodyLimitBytes: 2048 })
    const post = (body: string, type = 'application/json') => fetch(`${n.httpUrl}/api/chat`, { method: 'POST', headers: { 'content-type': type }, body })
    const big = await post(chatBody('x'.repeat(4096)))
    assert.equal(big.status, 413)
    assert.deepEqual(await big.json(), { detail: 'Request body is larger than the limit of 2048 bytes' })
    const poisoned = await post('{"prompt":"x","query_type":"chat","model_type":"a","model_name":"","__proto__":{"admin":true}}')
    assert.equal(poisoned.status, 400)
    assert.equal((await post('prompt=x', 'application/x-www-form-urlencoded')).status, 415)
    assert.equal(await (await post(chatBody('small'))).json(), 'echo: small')
  })

  it('oversized /ws frame → close 1009 with a reason; other clients unaffected', async () => {
    const n = await start()
    const big = await connect(n)
    await big.nextOfType('huggingface_update')
    const other = await connect(n)
    await other.nextOfType('huggingface_update')
    big.send('x'.repeat(WS_MAX_PAYLOAD_BYTES + 1))
    assert.deepEqual(await big.waitClosed(), { code: 1009, reason: `Message too big: the limit is ${WS_MAX_PAYLOAD_BYTES} bytes` })
    other.send({ type: 'submit_query', query: JSON.parse(chatBody('still fine')) })
    assert.equal((await other.nextOfType('query_result')).result, 'echo: still fine')
  })

  it('HTTP flood → 429 with Retry-After, also for /ws upgrades', async () => {
    const n = await start({ restRateLimitPerMinute: 5 })
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${n.httpUrl}/healthz`)).status, 200)
    const limited = await fetch(`${n.httpUrl}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('x') })
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After in seconds')
    assert.match(((await limited.json()) as { detail: string }).detail, /^Rate limit exceeded: at most 5 requests per minute/)
    await assert.rejects(WsClient.connect(wsUrl(n)), /Unexpected server response: 429/)
  })

  it('/ws message flood → error frame, then close 1008 with a reason', async () => {
    const n = await start({ wsMessagesPerSecond: 1, wsMessageBurst: 5 })
    const flooder = await connect(n)
    await flooder.nextOfType('huggingface_update')
    // The burst is served...
    for (let i = 0; i < 5; i++) flooder.send({ type: 'get_previous_queries' })
    for (let i = 0; i < 5; i++) await flooder.nextOfType('previous_queries')
    // ...beyond it messages are dropped with a warning, and a client that keeps on is closed.
    for (let i = 0; i < 20; i++) flooder.send({ type: 'get_previous_queries' })
    assert.equal((await flooder.nextOfType('error')).message, 'Too many messages: slow down (at most 1 per second)')
    assert.deepEqual(await flooder.waitClosed(), { code: 1008, reason: 'Message rate limit exceeded (1 per second)' })
    const calm = await connect(n)
    await calm.nextOfType('huggingface_update')
    calm.send({ type: 'get_previous_queries' })
    await calm.nextOfType('previous_queries')
  })

  it('closes a /ws socket that stops answering pings; keeps one that answers', async () => {
    const n = await start({ wsIdleTimeoutMs: 100 })
    const silent = new WebSocket(wsUrl(n), { autoPong: false })
    sockets.push(silent)
    const closed = once(silent, 'close')
    const alive = new WebSocket(wsUrl(n))
    sockets.push(alive)
    let pings = 0
    alive.on('ping', () => pings++)
    const [code, reason] = (await closed) as [number, Buffer]
    assert.equal(code, 1001)
    assert.equal(reason.toString(), 'Idle timeout: no answer to ping')
    await waitUntil(() => pings >= 4, 'four pings answered by the live socket')
    assert.equal(alive.readyState, WebSocket.OPEN)
  })

  it('refuses more /ws connections per address than allowed, with 429', async () => {
    const n = await start({ wsConnectionsPerIp: 2 })
    await connect(n)
    const second = await connect(n)
    await assert.rejects(WsClient.connect(wsUrl(n)), /Unexpected server response: 429/)
    second.close()
    await second.waitClosed()
    await waitUntil(() => n.gateway.hub.size === 1, 'the server to see the close')
    await connect(n)
  })

  it('CORS is closed by default; listed origins get CORS headers and may open /ws', async () => {
    const n = await start({ corsOrigins: ['http://ui.example'] })
    const evil = await fetch(`${n.httpUrl}/api/node`, { headers: { origin: 'http://evil.example' } })
    assert.equal(evil.headers.get('access-control-allow-origin'), null)
    const preflight = await fetch(`${n.httpUrl}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' }
    })
    assert.equal(preflight.status, 403)
    assert.equal(preflight.headers.get('access-control-allow-origin'), null)
    await assert.rejects(WsClient.connect(`${wsUrl(n)}`, undefined, 'http://evil.example'), /Unexpected server response: 403/)

    const good = await fetch(`${n.httpUrl}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'http://ui.example', 'access-control-request-method': 'POST' }
    })
    assert.equal(good.status, 204)
    assert.equal(good.headers.get('access-control-allow-origin'), 'http://ui.example')
    sockets.push(await WsClient.connect(wsUrl(n), undefined, 'http://ui.example'))
    // The node's own pages (same origin) may always open /ws.
    sockets.push(await WsClient.connect(wsUrl(n), undefined, n.httpUrl))
  })

  it('stopping the node answers REST requests still waiting for a worker (503), without waiting for it', async () => {
    const n = await start({}, { delayMs: 60_000 })
    const pending = fetch(`${n.httpUrl}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('slow') })
    await worker?.waitForCalls(1)
    await n.stop()
    node = undefined
    const res = await pending
    assert.equal(res.status, 503)
    assert.deepEqual(await res.json(), { detail: 'Query cancelled' })
    await waitUntil(() => worker?.calls[0]?.aborted === true, 'the worker call to be aborted')
  })

  it('a REST query past the request timeout → 504, and the worker call is cancelled', async () => {
    const n = await start({ requestTimeoutMs: 300 }, { delayMs: 30_000 })
    const res = await fetch(`${n.httpUrl}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('slow') })
    assert.equal(res.status, 504)
    assert.deepEqual(await res.json(), { detail: 'The query did not finish within 0.3s' })
    await waitUntil(() => worker?.calls[0]?.aborted === true, 'the worker call to be aborted')
  })
})
