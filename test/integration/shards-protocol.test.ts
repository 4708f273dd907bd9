import assert from 'node:assert/strict'
import { lpStream } from '@libp2p/utils'
import { sha256 } from '../../node/shards/keys.js'
import { SHARD_MAX_FRAME_BYTES, SHARD_PROTOCOL } from '../../protocol/index.js'
import { ShardRequest, ShardResponse } from '../../protocol/pb/shard.js'
import { ShardCluster } from '../helpers/shards.js'
import { TempDirs } from '../helpers/temp.js'

const request = (body: Partial<ShardRequest>): Uint8Array =>
  ShardRequest.encode({
    id: 1,
    type: ShardRequest.Type.GET,
    records: [],
    queries: [],
    bucket: 0,
    key: new Uint8Array(0),
    token: new Uint8Array(0),
    guard: '',
    ttlMs: 0,
    ...body
  })

describe('shard protocol: a hostile peer', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let cluster: ShardCluster | undefined

  afterEach(async () => {
    await cluster?.stopAll()
    cluster = undefined
    await temp.cleanup()
  })

  it('gets typed errors for bad frames and a reset for an oversized one; the responder keeps serving', async () => {
    cluster = await ShardCluster.start(temp, 2)
    const [a, b] = [cluster.node(0), cluster.node(1)]
    const open = async () => lpStream(await a.libp2p.dialProtocol(b.libp2p.peerId, SHARD_PROTOCOL), { maxDataLength: SHARD_MAX_FRAME_BYTES })
    const lp = await open()
    const read = async (): Promise<ShardResponse> => ShardResponse.decode(await lp.read())

    await lp.write(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))
    const garbage = await read()
    assert.equal(garbage.status, ShardResponse.Status.BAD_REQUEST)
    assert.equal(garbage.id, 0)

    await lp.write(request({ id: 7, type: ShardRequest.Type.PUT, records: [{ key: new Uint8Array(5), entries: [], digest: new Uint8Array(0), more: false }] }))
    const badKey = await read()
    assert.equal(badKey.status, ShardResponse.Status.BAD_REQUEST)
    assert.equal(badKey.id, 7)
    assert.match(badKey.message, /key must be 32 bytes/)

    // A good request on the same stream still works.
    const key = sha256('probe') as Uint8Array<ArrayBuffer>
    await lp.write(
      request({
        id: 8,
        type: ShardRequest.Type.PUT,
        records: [{ key, entries: [{ id: 'h/1', version: 0n, value: new Uint8Array([1]) }], digest: new Uint8Array(0), more: false }]
      })
    )
    const ok = await read()
    assert.equal(ok.status, ShardResponse.Status.OK)
    assert.equal(ok.id, 8)
    assert.equal(ok.records[0]?.digest.byteLength, 32)

    // A length prefix above the 4 MiB limit: refused before anything is allocated, then the stream is reset.
    const big = await open()
    const raw = big.unwrap()
    const prefix = [0x80, 0x80, 0x80, 0x04] // varint 8 MiB
    raw.send(new Uint8Array(prefix))
    const tooLarge = ShardResponse.decode(await lpStream(raw).read())
    assert.equal(tooLarge.status, ShardResponse.Status.TOO_LARGE)

    // The responder is fine: a normal read through the shard service.
    const found = await a.shards?.read({ key, prefix: 'h/' })
    assert.deepEqual(
      found?.entries.map((e) => e.id),
      ['h/1']
    )
  })
})
