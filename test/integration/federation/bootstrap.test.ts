import assert from 'node:assert/strict'
import { BootstrapKeeper } from '../../../node/federation/index.js'
import { createNode, defaultConfig, type RentahalNode } from '../../../node/index.js'
import { waitFor } from '../../helpers/network.js'
import { TempDirs } from '../../helpers/temp.js'

describe('bootstrap peers', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  const nodes: RentahalNode[] = []

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => undefined)))
    await temp.cleanup()
  })

  const tcpNode = async (dataDir: string, port: number, bootstrap: string[] = []): Promise<RentahalNode> => {
    const config = defaultConfig()
    config.workers.healthCheckIntervalMs = 0
    const node = await createNode({
      config,
      dataDir,
      http: false,
      p2p: { transport: 'tcp', host: '127.0.0.1', port, bootstrap },
      healthChecks: false,
      queueTickMs: 0,
      federation: { timers: false }
    })
    await node.start()
    nodes.push(node)
    return node
  }

  it('joins through a bootstrap address and reconnects after the bootstrap peer restarts', async () => {
    const seedDir = await temp.make()
    const seed = await tcpNode(seedDir, 0)
    const seedAddr = seed.libp2p.getMultiaddrs().find((a) => !a.toString().includes('/ws')) as NonNullable<ReturnType<typeof seed.libp2p.getMultiaddrs>[0]>
    const port = Number(seedAddr.toString().split('/tcp/')[1]?.split('/')[0])
    const joiner = await tcpNode(await temp.make(), 0, [seedAddr.toString()])
    await waitFor(() => joiner.libp2p.getConnections(seed.libp2p.peerId).length > 0, 'a connection to the bootstrap peer')
    await waitFor(() => joiner.federation.directory.has(seed.libp2p.peerId), 'the bootstrap peer’s advert')

    // The seed restarts on the same data dir and port: same peer id, and the joiner finds it again.
    const seedId = seed.libp2p.peerId
    await seed.stop()
    nodes.splice(nodes.indexOf(seed), 1)
    await waitFor(() => joiner.libp2p.getConnections(seedId).length === 0, 'the connection to drop')
    await joiner.federation.bootstrap.check({ force: true })
    assert.equal(joiner.libp2p.getConnections(seedId).length, 0)
    const restarted = await tcpNode(seedDir, port)
    assert.ok(restarted.libp2p.peerId.equals(seedId))
    await joiner.federation.bootstrap.check({ force: true })
    await waitFor(() => joiner.libp2p.getConnections(seedId).length > 0, 'a new connection to the restarted bootstrap peer')
  })

  it('does not re-dial a dropped bootstrap peer while the node has enough connections', async () => {
    const [a, b, c] = [await tcpNode(await temp.make(), 0), await tcpNode(await temp.make(), 0), await tcpNode(await temp.make(), 0)] as RentahalNode[]
    const tcpAddr = (n: RentahalNode): string => (n.libp2p.getMultiaddrs().find((m) => !m.toString().includes('/ws')) as { toString(): string }).toString()
    const keeper = new BootstrapKeeper(a.libp2p, [tcpAddr(b), tcpAddr(c)], { timers: false, reconnectCeiling: 1 })
    try {
      await keeper.check()
      assert.equal(a.libp2p.getConnections(b.libp2p.peerId).length, 1)
      assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 1)
      // A connection to C goes away (pruned, say) while A keeps one: C is left alone.
      await a.libp2p.hangUp(c.libp2p.peerId)
      await keeper.check()
      assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 0)
      // Below the ceiling again: both are dialled.
      await a.libp2p.hangUp(b.libp2p.peerId)
      await keeper.check()
      assert.equal(a.libp2p.getConnections(b.libp2p.peerId).length, 1)
      assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 1)
    } finally {
      keeper.stop()
    }
  })

  it('rejects a bootstrap address that is not a multiaddr with a clear error', async () => {
    await assert.rejects(
      tcpNode(await temp.make(), 0, ['not-an-address']),
      (err: Error) => err.name === 'ConfigError' && /bootstrap address not-an-address is not a multiaddr/.test(err.message)
    )
  })
})
