import assert from 'node:assert/strict'
import type { RentahalNode } from '../../../node/index.js'
import { connect, startNetworkNode, waitFor, waitForMesh } from '../../helpers/network.js'
import { TempDirs } from '../../helpers/temp.js'

describe('realms changed at run time reach the federation', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  let nodes: RentahalNode[] = []

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    nodes = []
    await temp.cleanup()
  })

  it('a realm created through the admin API shows in /api/realms and in a peer’s directory', async () => {
    // A advertises on its own (timers on): the change itself must trigger the advert.
    const a = await startNetworkNode(temp, { http: true, init: { federation: { timers: true } } })
    const c = await startNetworkNode(temp)
    nodes = [a, c]
    await connect(c, a)
    await waitForMesh(nodes)
    const admin = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${a.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${a.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    assert.equal((await admin('DELETE', '/api/admin/realms/$SPEECH')).status, 200)
    const created = await admin('POST', '/api/admin/realms', { name: '$VOICE', primary_query_type: 'speech', config: { max_queue_size: 7 } })
    assert.equal(created.status, 201, await created.clone().text())

    const realms = (await (await fetch(`${a.httpUrl}/api/realms`)).json()) as { realms: Array<{ queryType: string; realm: string | null }> }
    assert.equal(realms.realms.find((r) => r.queryType === 'speech')?.realm, '$VOICE')
    await waitFor(
      () => c.federation.directory.get(a.libp2p.peerId)?.advert.realms.some((r) => r.name === '$VOICE' && r.queueCapacity === 7) === true,
      'the new realm in the peer’s directory'
    )
    assert.equal(
      c.federation.directory.get(a.libp2p.peerId)?.advert.realms.some((r) => r.name === '$SPEECH'),
      false
    )
  })
})
