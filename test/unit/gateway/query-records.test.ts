import assert from 'node:assert/strict'
import { Level } from 'level'
import { defaultConfig } from '../../../node/config/index.js'
import { MAX_BACKGROUND_RECORDS, QueryDesk } from '../../../node/gateway/query-desk.js'
import type { SpeechService } from '../../../node/gateway/speech.js'
import type { QueryRunner } from '../../../node/realms/index.js'
import { LevelUserStore, newGuid } from '../../../node/users/index.js'
import { TempDirs } from '../../helpers/temp.js'
import { waitUntil } from '../../helpers/wait.js'

/** Answers every chat query at once. */
const instant: QueryRunner = {
  run: async (request) => ({ result: { type: 'text', text: `echo ${request.prompt}` }, servedBy: { worker: 'w', realm: 'chat' } })
}

const query = (prompt: string) => ({ prompt, query_type: 'chat', model_type: 'worker_node', model_name: '' })

/**
 * The desk answers a query before its record is written; the store's reads
 * of that user still see it. Writes are held back at the real LevelDB.
 */
describe('query records written after the answer', () => {
  const temp = new TempDirs()
  let db: Level<string, unknown>
  let release: () => void = () => undefined
  let released = false
  /** Record batches held at the gate so far. */
  let held = 0

  beforeEach(async () => {
    db = new Level<string, unknown>(await temp.make(), { valueEncoding: 'json' })
    await db.open()
    released = false
    held = 0
    const gate = new Promise<void>((resolve) => {
      release = () => {
        released = true
        resolve()
      }
    })
    const batch = db.batch.bind(db) as (...args: unknown[]) => Promise<void>
    // Hold the query records' batches (the ones writing to the history sublevel) until release().
    const history = db.sublevel('queries')
    ;(db as unknown as { batch: (...args: unknown[]) => Promise<void> }).batch = async (...args: unknown[]) => {
      const ops = args[0] as Array<{ sublevel?: { prefix?: string } }> | undefined
      if (Array.isArray(ops) && ops.some((op) => op.sublevel?.prefix === history.prefix)) {
        held++
        await gate
      }
      return batch(...args)
    }
  })

  afterEach(async () => {
    release()
    await db.close()
    await temp.cleanup()
  })

  function desk(users: LevelUserStore): QueryDesk {
    return new QueryDesk({ runner: instant, users, config: defaultConfig(), speech: {} as SpeechService })
  }

  it('answers before the record is written, and reads of that user wait for it', async () => {
    const users = new LevelUserStore(db)
    const guid = newGuid()
    await users.getOrCreate(guid)
    const d = desk(users)
    const answer = await d.run(guid, query('hello'))
    assert.equal(answer.result, 'echo hello')
    // The answer is out; its record reaches the store only now, and is held there unwritten.
    await waitUntil(() => held === 1, 'the record write to reach the store')
    assert.equal((await db.sublevel('queries').keys().all()).length, 0)
    assert.equal(d.pendingRecords, 1)
    const history = users.history(guid, 10).then((h) => ({ h, releasedFirst: released }))
    const user = users.get(guid).then((u) => ({ u, releasedFirst: released }))
    await new Promise((r) => setTimeout(r, 50))
    release()
    const [seen, got] = await Promise.all([history, user])
    assert.equal(seen.releasedFirst, true, 'history waited for the record')
    assert.deepEqual(
      seen.h.map((r) => r.prompt),
      ['hello']
    )
    assert.equal(got.releasedFirst, true)
    assert.equal(got.u?.queryCount, 1)
    await d.drain()
    assert.equal(d.pendingRecords, 0)
    assert.equal((await users.systemTotals()).totalQueries, 1)
  })

  it(`makes answers wait again once ${MAX_BACKGROUND_RECORDS} records are being written`, async function () {
    this.timeout(30_000)
    const users = new LevelUserStore(db)
    const guid = newGuid()
    await users.getOrCreate(guid)
    const d = desk(users)
    for (let i = 0; i < MAX_BACKGROUND_RECORDS; i++) await d.run(guid, query(`q${i}`))
    assert.equal(d.pendingRecords, MAX_BACKGROUND_RECORDS)
    let answered = false
    const next = d.run(guid, query('one too many')).then(() => {
      answered = true
    })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(answered, false, 'the answer waits for its record')
    release()
    await next
    await d.drain()
    assert.equal((await users.get(guid))?.queryCount, MAX_BACKGROUND_RECORDS + 1)
  })
})
