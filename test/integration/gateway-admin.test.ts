import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { RentahalNode } from '../../node/index.js'
import type { RealmChange } from '../../node/realms/index.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { legacyWorker, startTestNode } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'

const GUID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

describe('gateway admin API (bearer admin token)', function () {
  this.timeout(30_000)
  const temp = new TempDirs()
  let node: RentahalNode
  let worker: LegacyTestWorker

  const call = async (method: string, path: string, body?: unknown, token: string | null = node.adminToken) => {
    const headers: Record<string, string> = {}
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${node.httpUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  beforeEach(async () => {
    worker = await new LegacyTestWorker().start()
    node = await startTestNode(temp, { workers: [legacyWorker(worker.url, { name: 'chat-1' })] })
  })

  afterEach(async () => {
    await node.stop()
    await worker.stop()
    await temp.cleanup()
  })

  it('401 without a token, 403 with a wrong one, on every admin route', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/realms'],
      ['POST', '/api/admin/realms', { name: '$X', primary_query_type: 'chat' }],
      ['PUT', '/api/admin/realms/$CHAT', { config: { max_queue_size: 1 } }],
      ['DELETE', '/api/admin/realms/$SPEECH'],
      ['POST', '/api/admin/workers', { name: 'w', type: 'chat', url: '127.0.0.1:1' }],
      ['DELETE', '/api/admin/workers/chat-1'],
      ['GET', '/api/admin/bans'],
      ['POST', '/api/admin/bans', { user_guid: GUID }],
      ['DELETE', `/api/admin/bans/${GUID}`],
      ['POST', '/api/admin/sysops', { user_guid: GUID }],
      ['DELETE', `/api/admin/sysops/${GUID}`],
      ['POST', '/api/admin/terminate', { user_guid: GUID }]
    ]
    for (const [method, path, body] of routes) {
      const none = await call(method, path, body, null)
      assert.equal(none.status, 401, `${method} ${path}`)
      assert.match(none.body.error as string, /Admin token required/)
      const wrong = await call(method, path, body, 'a'.repeat(64))
      assert.equal(wrong.status, 403, `${method} ${path}`)
      assert.deepEqual(wrong.body, { error: 'Wrong admin token' })
    }
    // Nothing changed.
    assert.equal(node.realms.get('$CHAT')?.maxQueueSize, 100)
    assert.ok(node.workers.get('chat-1') !== undefined)
    assert.equal(await node.users.get(GUID), undefined)
  })

  it('lists realms in the PlanetScale shape', async () => {
    const res = await call('GET', '/api/admin/realms')
    assert.equal(res.status, 200)
    const realms = res.body.realms as Array<Record<string, unknown>>
    assert.deepEqual(
      realms.map((r) => [r.name, r.primary_query_type]),
      [
        ['$CHAT', 'chat'],
        ['$VISION', 'vision'],
        ['$IMAGINE', 'imagine'],
        ['$SPEECH', 'speech']
      ]
    )
    const chat = realms[0] as Record<string, unknown>
    assert.deepEqual(Object.keys(chat).sort(), ['config', 'metrics', 'name', 'pools', 'primary_query_type', 'workers'])
    assert.deepEqual(
      (chat.workers as Array<Record<string, unknown>>).map((w) => w.name),
      ['chat-1']
    )
    assert.deepEqual(chat.config, { min_workers: 1, max_workers: 5, backup_realms: [], max_queue_size: 100, load_balancing: 'health' })
    assert.equal((chat.metrics as Record<string, unknown>).processed_queries, 0)
  })

  it('creates, updates and deletes realms at run time, announcing each change', async () => {
    const changes: RealmChange[] = []
    node.realms.on('change', (c) => changes.push(c))

    const busy = await call('DELETE', '/api/admin/realms/$CHAT')
    assert.equal(busy.status, 409)
    assert.match(busy.body.error as string, /has 1 worker\(s\); remove them first/)
    assert.equal((await call('DELETE', '/api/admin/realms/$NOPE')).status, 404)
    assert.equal((await call('DELETE', '/api/admin/realms/$SPEECH')).status, 200)

    const taken = await call('POST', '/api/admin/realms', { name: '$TALK', primary_query_type: 'chat' })
    assert.equal(taken.status, 409)
    assert.deepEqual(taken.body, { error: 'chat is already the primary type of $CHAT' })
    const bad = await call('POST', '/api/admin/realms', { name: '$VOICE', primary_query_type: 'speech', config: { load_balancing: 'fastest' } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error as string, /^admin API: realms\.\$VOICE\.load_balancing: must be one of/)

    const created = await call('POST', '/api/admin/realms', {
      name: '$VOICE',
      primary_query_type: 'speech',
      config: { max_queue_size: 7, load_balancing: 'round_robin', backup_realms: ['$CHAT'] }
    })
    assert.equal(created.status, 201)
    assert.equal(created.body.status, 'success')
    assert.deepEqual((created.body.realm as Record<string, unknown>).config, {
      min_workers: 1,
      max_workers: 5,
      backup_realms: ['$CHAT'],
      max_queue_size: 7,
      load_balancing: 'round_robin'
    })
    assert.equal(node.realms.forType('speech').name, '$VOICE')
    const listed = await (await fetch(`${node.httpUrl}/api/node`)).json()
    assert.ok((listed as { realms: Array<{ name: string }> }).realms.some((r) => r.name === '$VOICE'))

    const updated = await call('PUT', '/api/admin/realms/$VOICE', { config: { max_queue_size: 3 } })
    assert.equal(updated.status, 200)
    assert.equal(node.realms.get('$VOICE')?.maxQueueSize, 3)
    assert.equal(node.realms.get('$VOICE')?.config.loadBalancing, 'round_robin', 'unchanged settings are kept')
    assert.equal((await call('PUT', '/api/admin/realms/$VOICE', { primary_query_type: 'vision' })).status, 409)
    assert.equal((await call('DELETE', '/api/admin/realms/$CHAT')).status, 409, '$VOICE still uses it as a backup')

    assert.equal((await call('DELETE', '/api/admin/realms/$VOICE')).status, 200)
    assert.deepEqual(changes, [
      { kind: 'delete', realm: '$SPEECH' },
      { kind: 'create', realm: '$VOICE' },
      { kind: 'update', realm: '$VOICE' },
      { kind: 'delete', realm: '$VOICE' }
    ])
  })

  it('adds and removes workers', async () => {
    const other = await new LegacyTestWorker({ answer: () => 'from the new worker' }).start()
    try {
      const changed = once(node.workers, 'change')
      const added = await call('POST', '/api/admin/workers', { name: 'vision-1', type: 'vision', url: other.url.replace('http://', ''), capacity: 2 })
      assert.equal(added.status, 201)
      await changed
      assert.equal((added.body.worker as Record<string, unknown>).capacity, 2)
      assert.equal(node.workers.get('vision-1')?.config.url, other.url)
      assert.equal((await call('POST', '/api/admin/workers', { name: 'vision-1', type: 'vision', url: other.url })).status, 409)
      const bad = await call('POST', '/api/admin/workers', { name: 'x', type: 'vision', url: 'ftp://nope' })
      assert.equal(bad.status, 400)
      assert.match(bad.body.error as string, /worker\.url: is not a valid/)
      assert.equal((await call('POST', '/api/admin/workers', { type: 'vision', url: other.url })).status, 400)

      const res = await fetch(`${node.httpUrl}/api/vision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'p', query_type: 'vision', model_type: 'worker_node', model_name: '', image: 'aGVsbG8=' })
      })
      assert.equal(await res.json(), 'from the new worker')

      assert.equal((await call('DELETE', '/api/admin/workers/vision-1')).status, 200)
      assert.equal(node.workers.get('vision-1'), undefined)
      assert.equal((await call('DELETE', '/api/admin/workers/vision-1')).status, 404)
    } finally {
      await other.stop()
    }
  })

  it('bans and unbans users, grants and revokes sysop', async () => {
    assert.equal((await call('POST', '/api/admin/bans', { user_guid: 'not-a-guid' })).status, 400)
    const banned = await call('POST', '/api/admin/bans', { user_guid: GUID.toUpperCase() })
    assert.equal(banned.status, 200)
    assert.equal((banned.body.user as Record<string, unknown>).is_banned, true)
    const list = await call('GET', '/api/admin/bans')
    assert.deepEqual(
      (list.body.banned as Array<Record<string, unknown>>).map((u) => u.guid),
      [GUID]
    )
    assert.equal((await call('DELETE', `/api/admin/bans/${GUID}`)).status, 200)
    assert.equal((await node.users.get(GUID))?.isBanned, false)
    assert.equal(((await call('POST', '/api/admin/sysops', { user_guid: GUID })).body.user as Record<string, unknown>).is_sysop, true)
    assert.equal(((await call('DELETE', `/api/admin/sysops/${GUID}`)).body.user as Record<string, unknown>).is_sysop, false)
  })
})
