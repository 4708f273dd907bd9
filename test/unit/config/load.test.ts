import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { ConfigError, configFromDocument, defaultConfig, loadConfigFile, parseWorkerSpec } from '../../../node/config/index.js'

const load = (doc: unknown) => configFromDocument(doc, 'test.yml')

function assertConfigError(fn: () => unknown, expected: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.name, 'ConfigError')
    assert.match(err.message, expected)
    return true
  })
}

describe('config', () => {
  it('the repository realms.yml equals the built-in defaults', async () => {
    const fromFile = await loadConfigFile('realms.yml')
    assert.deepEqual({ ...fromFile, source: undefined }, { ...defaultConfig(), source: undefined })
  })

  it('documents every key of realms.yml with a comment', async () => {
    const text = await readFile('realms.yml', 'utf8')
    const doc = parse(text) as Record<string, unknown>
    const lines = text.split('\n')
    const keys = new Set<string>()
    const walk = (value: unknown): void => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) {
          if (!k.startsWith('$')) keys.add(k)
          walk(v)
        }
      }
    }
    walk(doc)
    for (const key of keys) {
      const index = lines.findIndex((l) => l.trim().startsWith(`${key}:`))
      assert.ok(index > 0, key)
      assert.ok((lines[index - 1] as string).trim().startsWith('#') || key.startsWith('$'), `no comment above ${key}`)
    }
  })

  it('fills defaults and reads realms, workers and durations', () => {
    const c = load({
      federation_id: 'lab',
      realms: { $CHAT: { primary_query_type: 'chat', workers: [{ url: '127.0.0.1:8000', capacity: 2, models: ['llama3'] }] } },
      discovery: { advertise_interval: 2.5 }
    })
    assert.equal(c.federationId, 'lab')
    assert.equal(c.realms.length, 1)
    assert.deepEqual(c.realms[0]?.workers[0], {
      name: 'legacy-chat-127.0.0.1:8000',
      kind: 'legacy',
      type: 'chat',
      url: 'http://127.0.0.1:8000',
      models: ['llama3'],
      capacity: 2
    })
    assert.equal(c.discovery.advertiseIntervalMs, 2500)
    assert.equal(c.realms[0]?.maxQueueSize, 100)
  })

  it('names file, key and reason for bad values', () => {
    assertConfigError(() => load({ federation_id: 'a b' }), /^test\.yml: federation_id: may only hold/)
    assertConfigError(() => load({ colour: 1 }), /^test\.yml: colour: unknown key/)
    assertConfigError(() => load({ realms: { $X: { primary_query_type: 'dance' } } }), /realms\.\$X\.primary_query_type: must be one of/)
    assertConfigError(
      () => load({ realms: { $A: { primary_query_type: 'chat' }, $B: { primary_query_type: 'chat' } } }),
      /realms\.\$B\.primary_query_type: chat is already the primary type of \$A/
    )
    assertConfigError(() => load({ realms: { $A: { primary_query_type: 'chat', backup_realms: ['$NOPE'] } } }), /unknown realm \$NOPE/)
    assertConfigError(() => load({ realms: { $A: { primary_query_type: 'chat', workers: [{ url: 'ftp://x' }] } } }), /workers\[0\]\.url: is not a valid/)
    assertConfigError(() => load({ realms: { $A: { primary_query_type: 'chat', workers: [{ url: 'x:1', capacity: 0 }] } } }), /capacity: must be a number/)
    assertConfigError(() => load({ database_sharding: { replication: 2, write_quorum: 3 } }), /write_quorum: must not exceed replication/)
    assertConfigError(() => load({ discovery: { bootstrap_nodes: 'x' } }), /discovery\.bootstrap_nodes: must be a list of strings/)
  })

  it('reports a missing or unparsable file as a ConfigError', async () => {
    await assert.rejects(loadConfigFile('/nonexistent/realms.yml'), (err: Error) => err instanceof ConfigError && /ENOENT/.test(err.message))
  })

  it('parses --worker specs', () => {
    assert.deepEqual(parseWorkerSpec('chat=http://127.0.0.1:8000,capacity=4,name=gpu,model=a,model=b'), {
      name: 'gpu',
      kind: 'legacy',
      type: 'chat',
      url: 'http://127.0.0.1:8000',
      models: ['a', 'b'],
      capacity: 4
    })
    assert.equal(parseWorkerSpec('vision=localhost:8001').name, 'vision@localhost:8001')
    assertConfigError(() => parseWorkerSpec('chat'), /expected <query_type>=<url>/)
    assertConfigError(() => parseWorkerSpec('sing=http://x'), /query type must be one of/)
    assertConfigError(() => parseWorkerSpec('chat=http://x,capacity=-1'), /capacity must be an integer/)
    assertConfigError(() => parseWorkerSpec('chat=http://x,colour=red'), /unknown option colour/)
  })
})
