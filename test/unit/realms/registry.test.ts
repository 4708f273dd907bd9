import assert from 'node:assert/strict'
import { defaultConfig, type RealmConfig } from '../../../node/config/index.js'
import { RealmRegistry } from '../../../node/realms/index.js'
import { createWorkerAdapter, WorkerRegistry } from '../../../node/workers/index.js'

function registry(): { realms: RealmRegistry; workers: WorkerRegistry } {
  const workers = new WorkerRegistry({ healthCheckIntervalMs: 0, noBlacklistImagine: true, createAdapter: createWorkerAdapter })
  return { realms: new RealmRegistry(defaultConfig().realms, workers), workers }
}

const realm = (name: string, type: RealmConfig['primaryQueryType'], extra: Partial<RealmConfig> = {}): RealmConfig => ({
  name,
  primaryQueryType: type,
  minWorkers: 0,
  maxWorkers: 1,
  backupRealms: [],
  maxQueueSize: 10,
  loadBalancing: 'health',
  workers: [],
  ...extra
})

function assertError(fn: () => unknown, name: string, message: RegExp): void {
  assert.throws(fn, (err: Error) => err.name === name && message.test(err.message))
}

describe('RealmRegistry at run time', () => {
  it('assigns users to realms by the sum of their GUID’s character codes', () => {
    const { realms } = registry()
    const guid = '00000000-0000-4000-8000-000000000001'
    let sum = 0
    for (const c of guid) sum += c.charCodeAt(0)
    assert.equal(realms.assign(guid), realms.list()[sum % 4])
  })

  it('creates, updates and deletes realms with clear refusals', () => {
    const { realms, workers } = registry()
    const changes: string[] = []
    realms.on('change', (c) => changes.push(`${c.kind} ${c.realm}`))
    assertError(() => realms.create(realm('$CHAT', 'speech')), 'RealmExistsError', /already exists/)
    assertError(() => realms.create(realm('$TALK', 'chat')), 'RealmExistsError', /already the primary type of \$CHAT/)
    realms.delete('$SPEECH')
    assertError(() => realms.create(realm('$VOICE', 'speech', { backupRealms: ['$NOPE'] })), 'UnknownRealmError', /Unknown backup realm \$NOPE/)
    realms.create(realm('$VOICE', 'speech'))
    assert.equal(realms.forType('speech').name, '$VOICE')
    realms.update(realm('$VOICE', 'speech', { maxQueueSize: 2 }))
    assert.equal(realms.forType('speech').maxQueueSize, 2)
    assertError(() => realms.update(realm('$GHOST', 'speech')), 'UnknownRealmError', /No realm named \$GHOST/)
    workers.add({ name: 'w', kind: 'legacy', type: 'speech', url: 'http://127.0.0.1:1', models: [], capacity: 1 })
    assertError(() => realms.delete('$VOICE'), 'RealmBusyError', /has 1 worker/)
    assert.deepEqual(changes, ['delete $SPEECH', 'create $VOICE', 'update $VOICE'])
  })
})
