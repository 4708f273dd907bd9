import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { NodeProcess, runCli } from '../helpers/cli.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { TempDirs } from '../helpers/temp.js'
import { WsClient } from '../helpers/ws-client.js'

const PORTS_ZERO = ['--http-port', '0', '--p2p-port', '0']

async function pollJson<T>(args: string[], accept: (body: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    const run = await runCli(args)
    last = run.stdout + run.stderr
    if (run.code === 0) {
      const body = JSON.parse(run.stdout) as T
      if (accept(body)) return body
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last output: ${last}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('three rentahal-node processes on loopback TCP', function () {
  this.timeout(90_000)
  const temp = new TempDirs()
  const procs: NodeProcess[] = []
  let worker: LegacyTestWorker | undefined

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()))
    await worker?.stop()
    await temp.cleanup()
  })

  it('find each other through --bootstrap: peers and realms on the third show the others and the first node’s worker', async () => {
    worker = await new LegacyTestWorker().start()
    const first = await NodeProcess.start(['--data-dir', await temp.make(), ...PORTS_ZERO, '--worker', `chat=127.0.0.1:${worker.port},name=first-chat`])
    procs.push(first)
    const tcpAddr = first.addrs.find((a) => !a.includes('/ws/')) as string
    const second = await NodeProcess.start(['--data-dir', await temp.make(), ...PORTS_ZERO, '--bootstrap', tcpAddr])
    procs.push(second)
    const secondAddr = second.addrs.find((a) => !a.includes('/ws/')) as string
    // The third only knows the second.
    const third = await NodeProcess.start(['--data-dir', await temp.make(), ...PORTS_ZERO, '--bootstrap', secondAddr])
    procs.push(third)

    const peers = await pollJson<{ peers: Array<{ peerId: string; version: string }> }>(
      ['peers', '--json', '--api', third.httpUrl],
      (b) => [first.peerId, second.peerId].every((id) => b.peers.some((p) => p.peerId === id && p.version !== '')),
      'the third node to list the first two'
    )
    assert.ok(!peers.peers.some((p) => p.peerId === third.peerId))

    const realms = await pollJson<{ realms: Array<{ queryType: string; providers: Array<{ peerId: string; workers: Array<{ id: string }> }> }> }>(
      ['realms', '--json', '--api', third.httpUrl],
      (b) => b.realms.some((r) => r.queryType === 'chat' && r.providers.some((p) => p.peerId === first.peerId)),
      'the first node’s chat worker in the third node’s realms'
    )
    const chat = realms.realms.find((r) => r.queryType === 'chat')
    assert.deepEqual(
      chat?.providers.find((p) => p.peerId === first.peerId)?.workers.map((w) => w.id),
      ['first-chat']
    )

    const table = await runCli(['peers', '--api', third.httpUrl])
    assert.equal(table.code, 0)
    assert.match(table.stdout, /^PEER\s+CONNECTED\s+RTT\s+ADVERT\s+REALMS/m)
    const status = await runCli(['status', '--api', third.httpUrl])
    assert.match(status.stdout, /federation mtor: 2 peers known/)
  })

  it('answers a /ws user on A from a worker that only C can reach', async () => {
    worker = await new LegacyTestWorker({ answer: (body) => `C says: ${String(body.prompt)}` }).start()
    const b = await NodeProcess.start(['--data-dir', await temp.make(), ...PORTS_ZERO])
    procs.push(b)
    const bAddr = b.addrs.find((x) => !x.includes('/ws/')) as string
    const a = await NodeProcess.start(['--data-dir', await temp.make(), ...PORTS_ZERO, '--bootstrap', bAddr])
    procs.push(a)
    const c = await NodeProcess.start([
      '--data-dir',
      await temp.make(),
      ...PORTS_ZERO,
      '--bootstrap',
      bAddr,
      '--worker',
      `chat=127.0.0.1:${worker.port},name=c-chat`
    ])
    procs.push(c)
    await pollJson<{ realms: Array<{ queryType: string; providers: Array<{ peerId: string }> }> }>(
      ['realms', '--json', '--api', a.httpUrl],
      (body) => body.realms.some((r) => r.queryType === 'chat' && r.providers.some((p) => p.peerId === c.peerId)),
      'A to know C’s chat worker'
    )
    const client = await WsClient.connect(a.wsUrl)
    try {
      await client.nextOfType('huggingface_update')
      client.send({
        type: 'submit_query',
        stream: true,
        query: { prompt: 'across the federation', query_type: 'chat', model_type: 'worker_node', model_name: '' }
      })
      const started = await client.nextOfType('query_started')
      assert.deepEqual(started.served_by, { peerId: c.peerId, worker: 'c-chat', realm: '$CHAT' })
      const result = await client.nextOfType('query_result')
      assert.equal(result.result, 'C says: across the federation')
      assert.equal(result.result_type, 'text')
      assert.ok((result.processing_time as number) > 0)
    } finally {
      client.close()
    }
    const realms = await pollJson<{ realms: Array<{ queryType: string; metrics: Record<string, number> }> }>(
      ['realms', '--json', '--api', a.httpUrl],
      () => true,
      'realms'
    )
    const chat = realms.realms.find((r) => r.queryType === 'chat')
    assert.equal(chat?.metrics.cross_federation_queries, 1)
    assert.equal(chat?.metrics.processed_queries, 1)
  })

  it('says clearly when no node answers', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as { port: number }).port
    probe.close()
    const run = await runCli(['peers', '--api', `http://127.0.0.1:${port}`])
    assert.equal(run.code, 1)
    assert.match(run.stderr.trim(), new RegExp(`^rentahal-node: no rentahal-node answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`))
  })
})
