import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { Level } from 'level'
import { userShardKey } from '../../node/shards/index.js'
import type { NewQueryRecord } from '../../node/users/index.js'
import type { LegacyQueryRecord } from '../../protocol/index.js'
import { expectedOwners, rawLevelContents, ShardCluster, shardDir, waitFor } from '../helpers/shards.js'
import { TempDirs } from '../helpers/temp.js'

const query = (prompt: string): NewQueryRecord => ({ queryType: 'chat', modelType: 'worker_node', modelName: 'w', prompt, processingTime: 0.5, cost: 0.01 })

describe('user data shards (real nodes in one process)', function () {
  this.timeout(120_000)
  const temp = new TempDirs()
  let cluster: ShardCluster | undefined

  afterEach(async () => {
    await cluster?.stopAll()
    cluster = undefined
    await temp.cleanup()
  })

  it('reads through E the history written through A; the record sits on exactly the 3 closest peers, with no GUID or prompt in clear', async () => {
    cluster = await ShardCluster.start(temp, 5)
    const [a, e] = [cluster.node(0), cluster.node(4)]
    const guid = crypto.randomUUID()
    const prompts = [1, 2, 3].map((i) => `the lighthouse keeper's secret number ${i} ${crypto.randomUUID()}`)
    await a.users.getOrCreate(guid)
    for (const p of prompts) await a.users.recordQuery(guid, query(p))

    const history = await e.users.history(guid, 10)
    assert.deepEqual(
      history.map((h) => h.prompt),
      [...prompts].reverse()
    )
    assert.ok(history.every((h) => h.user_guid === guid))
    const user = await e.users.get(guid)
    assert.equal(user?.queryCount, 3)
    assert.equal(user?.nickname, `user_${guid.slice(0, 8)}`)

    // Placement: the 3 closest of all 5 by XOR distance in kad-dht's keyspace, and the same order as kad-dht's own look-up.
    const key = userShardKey(guid)
    const all: PeerId[] = cluster.running.map((n) => n.libp2p.peerId)
    const owners = expectedOwners(key, all, 3)
    const dhtOrder: string[] = []
    for await (const event of a.libp2p.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(10_000) })) {
      if (event.name === 'FINAL_PEER') dhtOrder.push(event.peer.id.toString())
    }
    const others = all.filter((p) => !p.equals(a.libp2p.peerId))
    assert.deepEqual(dhtOrder, expectedOwners(key, others, 4), 'kad-dht orders peers as our placement does')
    assert.deepEqual(a.shards?.owners(key).map(String), owners)
    await waitFor('the third replica to store the record', async () => (await cluster?.holders(key))?.size === 3)
    const holders = await cluster.holders(key)
    assert.deepEqual([...holders.keys()].sort(), [...owners].sort())
    assert.equal(new Set(holders.values()).size, 1, 'the 3 replicas hold one digest')

    // No replica's LevelDB holds the GUID or a prompt in clear; the record key (sha256 of the GUID) is there.
    const dirs = cluster.dirs
    const ownerIdx = owners.map((o) => cluster?.indexOf(o) as number)
    await cluster.stopAll()
    const needles = [guid, guid.replaceAll('-', ''), ...prompts, 'lighthouse']
    for (const [i, dir] of dirs.entries()) {
      const contents = Buffer.concat(await rawLevelContents(shardDir(dir)))
      for (const needle of needles) assert.equal(contents.indexOf(needle), -1, `node ${i}'s shard store contains "${needle}"`)
      assert.equal(contents.includes(Buffer.from(key).toString('hex')), ownerIdx.includes(i), `node ${i} holds the record key iff it is an owner`)
    }
    // Nodes the user never connected to never saw the GUID, in any of their stores.
    for (const i of [1, 2, 3]) {
      const contents = Buffer.concat(await rawLevelContents(`${dirs[i]}/db`))
      assert.equal(contents.indexOf(guid), -1, `node ${i}'s own database contains the GUID`)
    }
  })

  it('loses no acknowledged write when a replica stops during 2,000 writes, and repair brings every key back to 3 copies', async () => {
    cluster = await ShardCluster.start(temp, 5)
    const writer = cluster.node(0)
    const guids = Array.from({ length: 20 }, () => crypto.randomUUID())
    for (const guid of guids) await writer.users.getOrCreate(guid)
    // The victim: the node (other than the writer) that owns the most of these users' records.
    const owned = new Map<string, number>()
    for (const guid of guids) for (const o of writer.shards?.owners(userShardKey(guid)) ?? []) owned.set(o.toString(), (owned.get(o.toString()) ?? 0) + 1)
    const victimId = [...owned.entries()].filter(([id]) => id !== writer.peerId).sort((x, y) => y[1] - x[1])[0]?.[0] as string
    const victim = cluster.indexOf(victimId)

    const acked = new Map<string, string[]>(guids.map((g) => [g, []]))
    let failed = 0
    let next = 0
    let stopping: Promise<void> | undefined
    const TOTAL = 2_000
    const worker = async (): Promise<void> => {
      for (;;) {
        const n = next++
        if (n >= TOTAL) return
        if (n === 600) stopping = cluster?.stop(victim)
        const guid = guids[n % guids.length] as string
        try {
          const record = await writer.users.recordQuery(guid, query(`write ${n}`))
          acked.get(guid)?.push(record.id)
        } catch {
          failed++
        }
      }
    }
    await Promise.all(Array.from({ length: 32 }, worker))
    await stopping
    const ackedCount = [...acked.values()].reduce((n, ids) => n + ids.length, 0)
    assert.equal(ackedCount + failed, TOTAL)
    assert.ok(ackedCount >= TOTAL - 50, `only ${ackedCount} of ${TOTAL} writes were acknowledged`)

    // Every acknowledged write is readable through another node.
    const reader = cluster.node(victim === 3 ? 2 : 3)
    let lost = 0
    for (const guid of guids) {
      const ids = new Set((await reader.users.history(guid, 1_000)).map((h) => h.id))
      for (const id of acked.get(guid) ?? []) if (!ids.has(id)) lost++
    }
    assert.equal(lost, 0, `${lost} acknowledged writes were lost`)

    // Repair: each key ends on exactly its 3 closest live peers, all with one digest.
    await cluster.syncUntilQuiet()
    const live = cluster.running.map((n) => n.libp2p.peerId)
    for (const guid of guids) {
      const key = userShardKey(guid)
      const holders = await cluster.holders(key)
      assert.deepEqual([...holders.keys()].sort(), expectedOwners(key, live, 3).sort(), `holders of ${guid}`)
      assert.equal(new Set(holders.values()).size, 1, `replicas of ${guid} differ`)
    }
    for (const node of cluster.running) {
      const status = await node.shards?.status()
      assert.equal(status?.underReplicated, 0)
      assert.equal(status?.handoff, 0)
    }
  })

  it('converges to one digest after a partition heals, with nothing written on either side lost', async () => {
    cluster = await ShardCluster.start(temp, 5)
    const guids = Array.from({ length: 6 }, () => crypto.randomUUID())
    // The first user is changed on both sides, so both must be able to read it: at least one of
    // its 3 replicas on the small side (nodes 3 and 4). One random GUID in ten has none there.
    const all = cluster.running.map((n) => n.libp2p.peerId)
    const smallSide = [cluster.node(3), cluster.node(4)].map((n) => n.libp2p.peerId.toString())
    while (!expectedOwners(userShardKey(guids[0] as string), all, 3).some((p) => smallSide.includes(p))) guids[0] = crypto.randomUUID()
    for (const guid of guids) await cluster.node(0).users.getOrCreate(guid)
    await cluster.partition([0, 0, 0, 1, 1])
    const sides = [cluster.node(0), cluster.node(3)]
    const written = new Map<string, string[]>(guids.map((g) => [g, []]))
    for (const guid of guids) {
      for (const [s, node] of sides.entries()) {
        for (let i = 0; i < 3; i++) written.get(guid)?.push((await node.users.recordQuery(guid, query(`side ${s} write ${i}`))).id)
      }
    }
    // Concurrent profile changes on both sides: each field keeps one value everywhere.
    await sides[0]?.users.setSysop(guids[0] as string, true)
    await sides[1]?.users.setBanned(guids[0] as string, true)
    await cluster.heal()
    await cluster.syncUntilQuiet()

    const live = cluster.running.map((n) => n.libp2p.peerId)
    for (const guid of guids) {
      const key = userShardKey(guid)
      const holders = await cluster.holders(key)
      assert.deepEqual([...holders.keys()].sort(), expectedOwners(key, live, 3).sort(), `holders of ${guid}`)
      assert.equal(new Set(holders.values()).size, 1, `replicas of ${guid} did not converge`)
      const history: LegacyQueryRecord[] = await cluster.node(2).users.history(guid, 100)
      const ids = new Set(history.map((h) => h.id))
      assert.deepEqual(
        [...(written.get(guid) ?? [])].filter((id) => !ids.has(id)),
        [],
        `writes to ${guid} lost`
      )
      const user = await cluster.node(4).users.get(guid)
      assert.equal(user?.queryCount, 6, 'per-writer counters add up across both sides')
    }
    const first = await cluster.node(1).users.get(guids[0] as string)
    assert.equal(first?.isSysop, true)
    assert.equal(first?.isBanned, true)
  })

  it('lets exactly one of two concurrent nickname claims win, everywhere', async () => {
    cluster = await ShardCluster.start(temp, 5)
    const b = cluster.node(1)
    const d = cluster.node(3)
    for (const round of [1, 2, 3, 4]) {
      const [u1, u2] = [crypto.randomUUID(), crypto.randomUUID()]
      await b.users.getOrCreate(u1)
      await d.users.getOrCreate(u2)
      const nick = `Neo ${round}`
      const outcomes = await Promise.allSettled([b.users.setNickname(u1, nick), d.users.setNickname(u2, nick.toLowerCase())])
      const won = outcomes.filter((o) => o.status === 'fulfilled')
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      assert.equal(won.length, 1, `round ${round}: ${won.length} claims won`)
      assert.equal(lost[0]?.reason.name, 'NicknameTakenError')
      assert.equal(lost[0]?.reason.message, 'Nickname already taken')
      const [winner, loser] = outcomes[0]?.status === 'fulfilled' ? [u1, u2] : [u2, u1]
      for (const node of cluster.running) {
        assert.equal((await node.users.get(winner))?.nickname.toLowerCase(), nick.toLowerCase())
        assert.equal((await node.users.get(loser))?.nickname, `user_${loser.slice(0, 8)}`)
      }
      // A later claim from a third node is refused too; the loser can take another name.
      const u3 = crypto.randomUUID()
      await cluster.node(4).users.getOrCreate(u3)
      await assert.rejects(cluster.node(4).users.setNickname(u3, nick.toUpperCase()), { name: 'NicknameTakenError' })
      assert.equal((await cluster.node(0).users.setNickname(loser, `Trinity ${round}`)).nickname, `Trinity ${round}`)
    }
  })

  it('keeps every shard across a process restart', async () => {
    cluster = await ShardCluster.start(temp, 3)
    const guids = Array.from({ length: 10 }, () => crypto.randomUUID())
    for (const guid of guids) {
      await cluster.node(0).users.getOrCreate(guid)
      await cluster.node(0).users.recordQuery(guid, query(`before restart ${guid}`))
    }
    await waitFor('every record on all 3 replicas', async () => {
      for (const guid of guids) if ((await cluster?.holders(userShardKey(guid)))?.size !== 3) return false
      return true
    })
    const before = await cluster.node(1).shards?.holdings()
    assert.equal(before?.length, 10)
    const node = await cluster.restart(1)
    const after = await node.shards?.holdings()
    assert.deepEqual(
      after?.map((k) => [Buffer.from(k.key).toString('hex'), Buffer.from(k.digest).toString('hex')]),
      before?.map((k) => [Buffer.from(k.key).toString('hex'), Buffer.from(k.digest).toString('hex')])
    )
    // Alone, the restarted node still serves every user from its own shards.
    await cluster.stop(0)
    await cluster.stop(2)
    for (const guid of guids)
      assert.deepEqual(
        (await node.users.history(guid, 10)).map((h) => h.prompt),
        [`before restart ${guid}`]
      )
  })

  it('says clearly when a shard store is locked or corrupt; the node still starts and serves users through its peers', async () => {
    cluster = await ShardCluster.prepare(temp, 2)
    // Locked: another process holds the LevelDB.
    const holder = new Level(shardDir(cluster.dirs[0] as string))
    await holder.open()
    try {
      const broken = await cluster.boot(0)
      const status = await broken.shards?.status()
      assert.equal(status?.available, false)
      assert.match(status?.error ?? '', /^cannot open the shard store in .*shards: it is locked by another process/)
      const res = await broken.gateway.app.inject({ url: '/api/shards' })
      assert.equal(res.statusCode, 200)
      assert.match(res.json().error, /locked/)
      const guid = crypto.randomUUID()
      await assert.rejects(broken.users.getOrCreate(guid), (err: Error) => err.name === 'ShardStoreUnavailableError' && /locked/.test(err.message))
      // With a healthy peer, the same node keeps serving users: their records live on the peer.
      const healthy = await cluster.boot(1)
      await cluster.connect()
      assert.deepEqual(broken.shards?.storagePeers().map(String), [healthy.peerId])
      assert.deepEqual(healthy.shards?.storagePeers(), [], 'a node without a store does not offer the shard protocol')
      await broken.users.getOrCreate(guid)
      await broken.users.recordQuery(guid, query('served while my own store is locked'))
      assert.equal((await healthy.users.history(guid, 5))[0]?.prompt, 'served while my own store is locked')
    } finally {
      await cluster.stopAll()
      await holder.close()
    }

    // Corrupt: a damaged MANIFEST.
    const dir = shardDir(cluster.dirs[1] as string)
    const manifest = (await readdir(dir)).find((f) => f.startsWith('MANIFEST-')) as string
    await writeFile(join(dir, manifest), 'this is not a LevelDB manifest')
    const corrupt = await cluster.boot(1)
    assert.match((await corrupt.shards?.status())?.error ?? '', /^cannot open the shard store in .*: it is corrupt \(Corruption: /)
    await assert.rejects(corrupt.users.get(crypto.randomUUID()), { name: 'ShardStoreUnavailableError' })
  })

  it('a node that starts knowing one peer still places records on the 3 closest storage peers of the federation (DHT)', async () => {
    cluster = await ShardCluster.prepare(temp, 4)
    for (let i = 0; i < 4; i++) await cluster.boot(i)
    const [a, b, c, d] = [0, 1, 2, 3].map((i) => cluster?.node(i) as ReturnType<ShardCluster['node']>)
    // A knows B and C; D knows only A.
    for (const peer of [b, c, d]) await peer?.libp2p.dial(a?.libp2p.getMultiaddrs() ?? [])
    await waitFor('D to list A as its only storage peer', () => d?.shards?.storagePeers().length === 1)
    const guid = crypto.randomUUID()
    await d?.users.getOrCreate(guid)
    // D asks the DHT (its closest-peers look-up, and kad-dht's own self-query) and dials what it finds.
    await waitFor('D to find B and C through the DHT and list them as storage peers', () => d?.shards?.storagePeers().length === 3)
    await cluster.syncUntilQuiet()
    const key = userShardKey(guid)
    const all = cluster.running.map((n) => n.libp2p.peerId)
    assert.deepEqual([...(await cluster.holders(key)).keys()].sort(), expectedOwners(key, all, 3).sort())
  })

  it('repairs a stale replica when a read finds the copies differ (read repair, no anti-entropy)', async () => {
    cluster = await ShardCluster.start(temp, 3)
    const guid = crypto.randomUUID()
    const key = userShardKey(guid)
    await cluster.node(0).users.getOrCreate(guid)
    await waitFor('all 3 replicas to hold the new user', async () => (await cluster?.holders(key))?.size === 3)
    // Node 2 misses two writes while it is down.
    await cluster.stop(2)
    await cluster.settle()
    await cluster.node(0).users.recordQuery(guid, query('while node 2 was down (1)'))
    await cluster.node(0).users.recordQuery(guid, query('while node 2 was down (2)'))
    const stale = await cluster.restart(2)
    const before = await cluster.holders(key)
    assert.notEqual(before.get(stale.peerId), before.get(cluster.node(0).peerId), 'node 2 is stale')

    // Node 2 reads through its own copy and one other: the answer is complete, and its copy gets repaired.
    const history = await stale.users.history(guid, 10)
    assert.deepEqual(
      history.map((h) => h.prompt),
      ['while node 2 was down (2)', 'while node 2 was down (1)']
    )
    await waitFor('read repair to bring node 2 up to date', async () => new Set((await cluster?.holders(key))?.values()).size === 1)
  })
})
