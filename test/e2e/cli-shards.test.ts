import assert from 'node:assert/strict'
import { NodeProcess, runCli } from '../helpers/cli.js'
import { TempDirs } from '../helpers/temp.js'
import { WsClient } from '../helpers/ws-client.js'

describe('rentahal-node shards (real process)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  let proc: NodeProcess | undefined

  afterEach(async () => {
    await proc?.stop()
    proc = undefined
    await temp.cleanup()
  })

  it('shows the shards a lone node holds, as a table and as JSON', async () => {
    proc = await NodeProcess.start(['--data-dir', await temp.make(), '--http-port', '0', '--p2p-port', '0', '--no-autodetect'])
    // A user connecting creates one record on this node's shards.
    const client = await WsClient.connect(proc.wsUrl)
    await client.nextOfType('previous_queries')
    client.close()

    const json = await runCli(['shards', '--api', proc.httpUrl, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const reply = JSON.parse(json.stdout)
    assert.equal(reply.enabled, true)
    assert.equal(reply.available, true)
    assert.equal(reply.keys, 1)
    assert.equal(reply.owned, 1)
    assert.equal(reply.healthy, 1, 'alone, one copy is full replication')
    assert.equal(reply.storagePeers, 0)

    const table = await runCli(['shards', '--api', proc.httpUrl])
    assert.equal(table.code, 0, table.stderr)
    const [header, row] = table.stdout.split('\n')
    assert.match(header ?? '', /^KEYS\s+BYTES\s+OWNED\s+HEALTHY\s+UNDER_REPLICATED\s+HANDOFF\s+PEERS\s+N\/W\/R$/)
    assert.match(row ?? '', /^1\s+\d+\s+1\s+1\s+0\s+0\s+0\s+3\/2\/2$/)
  })

  it('says clearly when no node answers', async () => {
    const run = await runCli(['shards', '--api', 'http://127.0.0.1:9'])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /no rentahal-node answers at http:\/\/127\.0\.0\.1:9/)
  })
})
