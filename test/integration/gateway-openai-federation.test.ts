import assert from 'node:assert/strict'
import OpenAI from 'openai'
import type { RentahalNode } from '../../node/index.js'
import { FakeOpenAI } from '../helpers/model-servers.js'
import { connect, converge, startNetworkNode } from '../helpers/network.js'
import { TempDirs } from '../helpers/temp.js'

describe('OpenAI-compatible API over the federation (official openai client)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  let nodes: RentahalNode[] = []
  let llm: FakeOpenAI | undefined

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    nodes = []
    await llm?.stop()
    await temp.cleanup()
  })

  it('lists peers’ models and answers streamed and non-streamed completions from a worker on another peer', async () => {
    llm = await new FakeOpenAI({ models: ['remote-llm'] }).start()
    // A has no chat worker at all; C's only worker is an OpenAI-compatible server.
    const a = await startNetworkNode(temp, { http: true })
    const c = await startNetworkNode(temp, {
      workers: [{ name: 'c-llm', kind: 'openai', type: 'chat', url: llm.url, models: ['remote-llm'], capacity: 2 }]
    })
    nodes = [a, c]
    await connect(a, c)
    await converge(nodes)
    assert.equal(a.workers.list('chat').length, 0)
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${a.httpUrl}/v1`, maxRetries: 0, timeout: 15_000 })

    const ids: Array<{ id: string; owned_by: string }> = []
    for await (const model of client.models.list()) ids.push({ id: model.id, owned_by: model.owned_by })
    assert.deepEqual(
      ids.filter((m) => m.id === 'remote-llm'),
      [{ id: 'remote-llm', owned_by: c.peerId }]
    )

    const plain = await client.chat.completions.create({ model: 'remote-llm', messages: [{ role: 'user', content: 'hello peer' }] })
    assert.equal(plain.choices[0]?.message.content, 'echo from remote-llm: hello peer')

    const pieces: string[] = []
    const stream = await client.chat.completions.create({
      model: 'remote-llm',
      stream: true,
      messages: [{ role: 'user', content: 'stream across the federation' }]
    })
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content
      if (delta) pieces.push(delta)
    }
    assert.ok(pieces.length > 1, `${pieces.length} pieces`)
    assert.equal(pieces.join(''), 'echo from remote-llm: stream across the federation')
    assert.equal(a.realms.forType('chat').metrics.crossFederationQueries, 2)
    assert.equal(llm.requests.filter((r) => r.path === '/v1/chat/completions').length, 2)
  })
})
