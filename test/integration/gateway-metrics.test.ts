import assert from 'node:assert/strict'
import type { RentahalNode } from '../../node/index.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode, wsUrl } from '../helpers/node.js'
import { parsePrometheus, type Sample, sampleValue } from '../helpers/prometheus.js'
import { TempDirs } from '../helpers/temp.js'
import { WsClient } from '../helpers/ws-client.js'

describe('GET /metrics (Prometheus)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  const nodes: RentahalNode[] = []
  const workers: LegacyTestWorker[] = []
  const clients: WsClient[] = []

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await Promise.all(workers.splice(0).map((w) => w.stop()))
    await temp.cleanup()
  })

  const scrape = async (node: RentahalNode): Promise<Sample[]> => {
    const res = await fetch(`${node.httpUrl}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    return parsePrometheus(await res.text())
  }

  it('parses as Prometheus text and counts queries, errors, time and connections per realm', async () => {
    const ok = await new LegacyTestWorker().start()
    const broken = await new LegacyTestWorker({ status: 500 }).start()
    workers.push(ok, broken)
    // Two nodes in one process: each has its own registry.
    const node = await startTestNode(temp, {
      workers: [legacyWorker(ok.url, { name: 'chat-1' }), legacyWorker(broken.url, { name: 'vision-1', type: 'vision' })]
    })
    const other = await startTestNode(temp)
    nodes.push(node, other)

    const before = await scrape(node)
    assert.equal(sampleValue(before, 'rentahal_queries_total', { realm: '$CHAT' }), 0)
    assert.equal(sampleValue(before, 'rentahal_libp2p_connections'), 0)
    assert.equal(sampleValue(before, 'rentahal_workers'), 2)

    const post = (path: string, query_type: string) =>
      fetch(`${node.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'p', query_type, model_type: 'worker_node', model_name: '', image: 'aGk=' })
      })
    assert.equal((await post('/api/chat', 'chat')).status, 200)
    const ws = await WsClient.connect(wsUrl(node))
    clients.push(ws)
    await ws.nextOfType('huggingface_update')
    ws.send({ type: 'submit_query', query: { prompt: 'q', query_type: 'chat', model_type: 'worker_node', model_name: '' } })
    await ws.nextOfType('query_result')
    assert.equal((await post('/api/vision', 'vision')).status, 502)

    const after = await scrape(node)
    assert.equal(sampleValue(after, 'rentahal_queries_total', { realm: '$CHAT', query_type: 'chat' }), 2)
    assert.equal(sampleValue(after, 'rentahal_processing_time_seconds_count', { realm: '$CHAT' }), 2)
    assert.ok(sampleValue(after, 'rentahal_processing_time_seconds_sum', { realm: '$CHAT' }) > 0)
    assert.equal(sampleValue(after, 'rentahal_errors_total', { realm: '$VISION', error: 'WorkerHttpError' }), 1)
    const connections = after.filter((s) => s.name === 'rentahal_connections')
    assert.deepEqual(connections.map((s) => s.labels.realm).sort(), ['$CHAT', '$IMAGINE', '$SPEECH', '$VISION'])
    assert.equal(
      connections.reduce((n, s) => n + s.value, 0),
      1
    )
    assert.equal(sampleValue(await scrape(other), 'rentahal_queries_total', { realm: '$CHAT' }), 0, 'the other node counted nothing')
  })

  it('lets other parts of the node add counters and gauges to its registry', async () => {
    const node = await startTestNode(temp)
    nodes.push(node)
    const routed = node.gateway.metrics.counter('rentahal_cross_realm_queries_total', 'Queries routed to another realm', ['realm'])
    routed.inc({ realm: '$CHAT' }, 3)
    node.gateway.metrics.gauge('rentahal_shards', 'Shards held', [], (set) => set(7))
    const samples = await scrape(node)
    assert.equal(sampleValue(samples, 'rentahal_cross_realm_queries_total', { realm: '$CHAT' }), 3)
    assert.equal(sampleValue(samples, 'rentahal_shards'), 7)
  })
})
