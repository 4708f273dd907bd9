import assert from 'node:assert/strict'
import { join } from 'node:path'
import { sha256 } from '../../../node/shards/keys.js'
import { type Entry, ShardStore } from '../../../node/shards/store.js'
import { TempDirs } from '../../helpers/temp.js'

const key = sha256('a user')
const entry = (id: string, version: bigint, value: string): Entry => ({ id, version, value: new TextEncoder().encode(value) })
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('ShardStore', () => {
  const temp = new TempDirs()
  const stores: ShardStore[] = []
  const open = async (): Promise<ShardStore> => {
    const store = await ShardStore.open(join(await temp.make(), 'shards'))
    stores.push(store)
    return store
  }

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
    await temp.cleanup()
  })

  it('merges to the same state and digest whatever the order of the writes', async () => {
    const writes = [
      [entry('r/nickname', 5n, 'neo')],
      [entry('r/nickname', 7n, 'trinity'), entry('h/1', 0n, 'one')],
      [entry('r/nickname', 7n, 'morpheus')],
      [entry('h/2', 0n, 'two'), entry('h/1', 0n, 'one')]
    ]
    const a = await open()
    const b = await open()
    for (const w of writes) await a.merge([{ key, entries: w }])
    // The other order, all at once (one group commit).
    const digests = await Promise.all([...writes].reverse().map((w) => b.merge([{ key, entries: w }])))
    const last = digests.at(-1)?.[0] as Uint8Array
    assert.equal(hex((await a.info(key))?.digest as Uint8Array), hex(last))
    const all = await a.query({ key }, 1 << 20)
    assert.deepEqual(
      all.entries.map((e) => [e.id, e.version, new TextDecoder().decode(e.value)]),
      [
        ['h/1', 0n, 'one'],
        ['h/2', 0n, 'two'],
        // equal versions: the greater value wins, on every replica
        ['r/nickname', 7n, 'trinity']
      ]
    )
    assert.deepEqual(a.stats, { keys: 1, entries: 3, bytes: 3 + 3 + 7 })
    assert.deepEqual(b.stats, a.stats)
  })

  it('pages through large records in id order, forwards and backwards, within limits and byte budgets', async () => {
    const store = await open()
    const many = Array.from({ length: 700 }, (_, i) => entry(`h/${String(i).padStart(4, '0')}`, 0n, 'x'.repeat(300)))
    await store.merge([{ key, entries: many }])
    const all = await store.query({ key, prefix: 'h/' }, 1 << 30)
    assert.equal(all.entries.length, 700, 'every entry, past the iterator page size')
    assert.equal(all.more, false)
    const newest = await store.query({ key, prefix: 'h/', reverse: true, limit: 3 }, 1 << 30)
    assert.deepEqual(
      newest.entries.map((e) => e.id),
      ['h/0699', 'h/0698', 'h/0697']
    )
    assert.equal(newest.more, true)
    const budget = await store.query({ key, after: 'h/0100' }, 10 * 300)
    assert.equal(budget.entries[0]?.id, 'h/0101')
    assert.ok(budget.entries.length <= 11 && budget.more)
    assert.deepEqual((await store.query({ key: sha256('nobody') }, 1000)).entries, [])
  })

  it('keeps records and totals across a reopen and deletes a handed-off record only if unchanged', async () => {
    const dir = join(await temp.make(), 'shards')
    let store = await ShardStore.open(dir)
    const [digest] = await store.merge([{ key, entries: [entry('h/1', 0n, 'one')] }])
    await store.close()
    store = await ShardStore.open(dir)
    stores.push(store)
    assert.deepEqual(store.stats, { keys: 1, entries: 1, bytes: 3 })
    await store.merge([{ key, entries: [entry('h/2', 0n, 'two')] }])
    assert.equal(await store.deleteIfUnchanged(key, digest as Uint8Array), false, 'a write arrived since the hand-off')
    const now = (await store.info(key))?.digest as Uint8Array
    assert.equal(await store.deleteIfUnchanged(key, now), true)
    assert.equal(await store.info(key), undefined)
    assert.deepEqual((await store.query({ key }, 1000)).entries, [])
    assert.deepEqual(store.stats, { keys: 0, entries: 0, bytes: 0 })
  })
})
