import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { createLibp2p, type Libp2p } from 'libp2p'
import { STALE_REPLAY_MS, sealAdvert } from '../../../node/federation/index.js'
import type { RentahalNode } from '../../../node/index.js'
import { advertTopic } from '../../../protocol/index.js'
import type { Advert } from '../../../protocol/pb/advert.js'
import { connect, converge, startNetworkNode, TestClock, waitFor, waitForMesh } from '../../helpers/network.js'
import { legacyWorker } from '../../helpers/node.js'
import { TempDirs } from '../../helpers/temp.js'

describe('federation discovery (in-process network)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  let nodes: RentahalNode[] = []
  const extra: Libp2p[] = []

  afterEach(async () => {
    await Promise.all(extra.splice(0).map((n) => n.stop()))
    await Promise.all(nodes.map((n) => n.stop()))
    nodes = []
    await temp.cleanup()
  })

  /** A ring of `n` nodes: each dials the next, the last dials the first. */
  async function ring(n: number, clock: TestClock): Promise<RentahalNode[]> {
    nodes = await Promise.all(Array.from({ length: n }, () => startNetworkNode(temp, { clock })))
    for (let i = 0; i < n; i++) await connect(nodes[i] as RentahalNode, nodes[(i + 1) % n] as RentahalNode)
    await waitForMesh(nodes)
    return nodes
  }

  it('a worker added on node 1 reaches node 10 of a ring, and a stopped node expires everywhere', async () => {
    const clock = new TestClock()
    const net = await ring(10, clock)
    const [first, , , , fifth] = net as [RentahalNode, RentahalNode, RentahalNode, RentahalNode, RentahalNode]
    const last = net[9] as RentahalNode
    first.workers.add(legacyWorker('http://127.0.0.1:9', { name: 'gpu-1', models: ['llama3'] }))
    const started = performance.now()
    await first.federation.advertiser.publish()
    await waitFor(
      () => last.federation.directory.providers('chat').some((e) => e.peerId.equals(first.libp2p.peerId)),
      'node 10 to list node 1 as a chat provider'
    )
    const convergedMs = performance.now() - started
    await waitFor(() => net.slice(1).every((n) => n.federation.directory.providers('chat', 'llama3').length === 1), 'every node to know the llama3 worker')
    const entry = last.federation.directory.get(first.libp2p.peerId)
    assert.equal(entry?.advert.realms.find((r) => r.name === '$CHAT')?.workers[0]?.id, 'gpu-1')
    console.log(`      (advert reached node 10 in ${convergedMs.toFixed(0)} ms)`)

    // Node 5 stops. Everyone else keeps advertising; after 3 intervals node 5 is gone everywhere.
    await fifth.stop()
    const alive = net.filter((n) => n !== fifth)
    nodes = alive
    clock.advance(first.federation.directory.ttlMs + 1)
    const mark = clock.ms
    await Promise.all(alive.map((n) => n.federation.advertiser.publish()))
    await waitFor(
      () => alive.every((n) => alive.every((m) => m === n || (n.federation.directory.get(m.libp2p.peerId)?.receivedAt ?? 0) >= mark)),
      'fresh adverts of every live node everywhere'
    )
    for (const n of alive) n.federation.directory.expire()
    for (const n of alive) {
      assert.equal(n.federation.directory.has(fifth.libp2p.peerId), false)
      assert.equal(n.federation.directory.list().length, 8)
    }
  })

  it('a late joiner finds chat providers through the DHT before the next advert round', async () => {
    const clock = new TestClock()
    const net = await ring(4, clock)
    const provider = net[0] as RentahalNode
    provider.workers.add(legacyWorker('http://127.0.0.1:9', { name: 'chatty' }))
    await provider.federation.advertiser.publish()
    await waitFor(() => net.slice(1).every((n) => n.federation.directory.providers('chat').length === 1), 'the advert everywhere')
    await provider.federation.advertiser.provide()

    const late = await startNetworkNode(temp, { clock })
    nodes.push(late)
    // Join through a node that is not the provider; no advert is published from here on.
    await connect(late, net[2] as RentahalNode)
    await waitFor(
      () => late.federation.directory.providers('chat').some((e) => e.peerId.equals(provider.libp2p.peerId)),
      'the late joiner to list the chat provider'
    )
  })

  it('never lets a rogue peer’s bad adverts into a directory, while honest adverts still arrive', async () => {
    const clock = new TestClock()
    const net = await ring(3, clock)
    const [a, b, c] = net as [RentahalNode, RentahalNode, RentahalNode]
    const topic = advertTopic(a.config.federationId)
    const rogueKey = await generateKeyPair('Ed25519')
    const rogue = await createLibp2p({
      privateKey: rogueKey,
      addresses: { listen: [`/memory/${crypto.randomUUID()}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }
    })
    extra.push(rogue)
    const pubsub = rogue.services.pubsub as GossipSub
    pubsub.subscribe(topic)
    await rogue.dial(a.libp2p.getMultiaddrs()[0] as never)
    await waitFor(() => pubsub.getSubscribers(topic).some((p) => p.equals(a.libp2p.peerId)), 'node A subscribed as seen by the rogue')
    await waitFor(() => a.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(rogue.peerId)), 'the rogue subscribed as seen by node A')

    const advertOf = (peer: Libp2p | RentahalNode['libp2p'], seq: bigint, over: Partial<Advert> = {}): Advert => ({
      federationId: a.config.federationId,
      peerId: peer.peerId.toMultihash().bytes,
      addrs: [],
      version: 'rogue',
      seq,
      timestampMs: 0n,
      storesShards: false,
      realms: [
        {
          name: '$CHAT',
          queryTypes: ['chat'],
          queueDepth: 0,
          queueCapacity: 100,
          inFlight: 0,
          workers: [
            { id: 'fake', kind: 'legacy', queryType: 'chat', models: [], capacity: 1, inFlight: 0, healthScore: 100, blacklisted: false, avgServiceMs: 0 }
          ]
        }
      ],
      ...over
    })
    const publishAndSettle = async (bytes: Uint8Array): Promise<void> => {
      const before = a.federation.discovery.rejected.invalid + a.federation.discovery.rejected.stale + a.federation.directory.list().length
      await pubsub.publish(topic, bytes)
      await waitFor(
        () => a.federation.discovery.rejected.invalid + a.federation.discovery.rejected.stale + a.federation.directory.list().length > before,
        'node A to judge the rogue message'
      )
    }
    const otherKey = await generateKeyPair('Ed25519')

    // 1. The rogue's own honest advert gets in (the rogue is a valid peer until it misbehaves).
    const honestSeq = BigInt(STALE_REPLAY_MS) * 10n
    await publishAndSettle(await sealAdvert(advertOf(rogue, honestSeq), rogueKey))
    assert.equal(a.federation.directory.get(rogue.peerId)?.advert.seq, honestSeq)
    // 2. A slightly older sequence (reordering on another path: ignored) and a replay of a much older one (rejected).
    await publishAndSettle(await sealAdvert(advertOf(rogue, honestSeq - 1_000n, { version: 'replay' }), rogueKey))
    await publishAndSettle(await sealAdvert(advertOf(rogue, 5n, { version: 'replay' }), rogueKey))
    assert.equal(a.federation.directory.get(rogue.peerId)?.advert.seq, honestSeq)
    assert.equal(a.federation.discovery.rejected.stale, 2)
    // 3. Malformed bytes, 4. oversized, 5. an envelope signed by one key claiming another peer id,
    // 6. node B's genuine advert re-published by the rogue (signer is not the gossip sender).
    await publishAndSettle(new Uint8Array([1, 2, 3, 4, 5]))
    await publishAndSettle(new Uint8Array(100 * 1024).fill(7))
    await publishAndSettle(await sealAdvert(advertOf(rogue, honestSeq + 1n), otherKey))
    await publishAndSettle(await b.federation.advertiser.current())
    assert.equal(a.federation.discovery.rejected.invalid, 4)
    for (const n of net) {
      const rogueEntry = n.federation.directory.get(rogue.peerId)
      assert.ok(rogueEntry === undefined || rogueEntry.advert.seq === honestSeq)
      assert.equal(n.federation.directory.providers('chat').filter((e) => e.advert.version === 'replay').length, 0)
      assert.equal(n.federation.directory.get(otherKey.publicKey.toString())?.advert, undefined)
    }
    // Gossipsub's score now penalises the rogue (scores are cached briefly, so poll).
    const score = (): number => (a.libp2p.services.pubsub as unknown as { getScore(id: string): number }).getScore(rogue.peerId.toString())
    await waitFor(() => score() < 0, 'a negative gossipsub score for the rogue')

    // Honest adverts still flow.
    c.workers.add(legacyWorker('http://127.0.0.1:9', { name: 'honest' }))
    await c.federation.advertiser.publish()
    await waitFor(() => a.federation.directory.providers('chat').some((e) => e.peerId.equals(c.libp2p.peerId)), 'node C’s honest advert at node A')
  })

  it('forgets a peer that disconnected and cannot be reached again', async () => {
    const clock = new TestClock()
    const net = await ring(3, clock)
    const [a, b] = net as [RentahalNode, RentahalNode]
    await converge(
      net.map((n) => {
        n.workers.add(legacyWorker('http://127.0.0.1:9', { name: `w-${n.peerId.slice(-4)}` }))
        return n
      })
    )
    assert.equal(a.federation.directory.has(b.libp2p.peerId), true)
    // Directly connected peers get a measured RTT as soon as they enter the directory.
    await waitFor(() => typeof a.federation.directory.get(b.libp2p.peerId)?.rttMs === 'number', 'an RTT for the connected peer')
    // A peer that is only disconnected (and reachable) stays.
    await a.libp2p.hangUp(b.libp2p.peerId)
    assert.equal(await a.federation.discovery.checkGone(b.libp2p.peerId), false)
    assert.equal(a.federation.directory.has(b.libp2p.peerId), true)
    // A peer that stopped is dropped at once, long before its advert expires.
    await b.stop()
    nodes = net.filter((n) => n !== b)
    await waitFor(() => a.libp2p.getConnections(b.libp2p.peerId).length === 0, 'the connection to close')
    assert.equal(await a.federation.discovery.checkGone(b.libp2p.peerId), true)
    assert.equal(a.federation.directory.has(b.libp2p.peerId), false)
  })

  it('keeps two federations on the same host apart', async () => {
    const clock = new TestClock()
    const red = await Promise.all([0, 1].map(() => startNetworkNode(temp, { clock, federationId: 'red' })))
    const blue = await Promise.all([0, 1].map(() => startNetworkNode(temp, { clock, federationId: 'blue' })))
    nodes = [...red, ...blue]
    const [r1, r2] = red as [RentahalNode, RentahalNode]
    const [b1, b2] = blue as [RentahalNode, RentahalNode]
    await connect(r1, r2)
    await connect(b1, b2)
    // A red and a blue node even hold a direct connection.
    await connect(r1, b1)
    for (const n of nodes) n.workers.add(legacyWorker('http://127.0.0.1:9', { name: `w-${n.config.federationId}` }))
    await waitForMesh([r1, r2, b1, b2])
    await Promise.all(nodes.map((n) => n.federation.advertiser.publish()))
    await Promise.all(nodes.map((n) => n.federation.advertiser.provide()))
    await waitFor(() => r1.federation.directory.has(r2.libp2p.peerId) && b1.federation.directory.has(b2.libp2p.peerId), 'each federation to see its own')
    await Promise.all(nodes.map((n) => n.federation.discovery.lookupProviders(undefined, { force: true })))
    for (const n of red) for (const m of blue) assert.equal(n.federation.directory.has(m.libp2p.peerId), false)
    for (const n of blue) for (const m of red) assert.equal(n.federation.directory.has(m.libp2p.peerId), false)
    assert.deepEqual(
      r1.federation.directory.list().map((e) => e.peerId.toString()),
      [r2.libp2p.peerId.toString()]
    )
  })
})
