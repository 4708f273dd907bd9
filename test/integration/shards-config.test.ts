import assert from 'node:assert/strict'
import type { RentahalNode } from '../../node/index.js'
import { startTestNode } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'

describe('database_sharding.enabled: false', () => {
  const temp = new TempDirs()
  let node: RentahalNode | undefined

  afterEach(async () => {
    await node?.stop()
    node = undefined
    await temp.cleanup()
  })

  it('keeps users in the node’s own database and says sharding is off', async () => {
    node = await startTestNode(temp, { http: false, config: (c) => (c.sharding.enabled = false) })
    assert.equal(node.shards, undefined)
    assert.equal(node.users.constructor.name, 'LevelUserStore')
    const res = await node.gateway.app.inject({ url: '/api/shards' })
    assert.deepEqual(res.json(), { enabled: false })
    const guid = crypto.randomUUID()
    await node.users.getOrCreate(guid)
    assert.equal((await node.users.setNickname(guid, 'Solo')).nickname, 'Solo')
    assert.equal(await node.users.count(), 1)
  })
})
