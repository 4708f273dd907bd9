import assert from 'node:assert/strict'
import { configFromDocument, realmFromDocument, workerFromDocument } from '../../../node/config/index.js'

function assertConfigError(fn: () => unknown, expected: RegExp): void {
  assert.throws(fn, (err: Error) => err.name === 'ConfigError' && expected.test(err.message))
}

describe('config: gateway limits and run-time documents', () => {
  it('reads gateway limits in seconds and bytes', () => {
    const c = configFromDocument(
      {
        gateway: {
          body_limit: 4096,
          request_timeout: 2.5,
          rate_limit_per_minute: 0,
          ws_messages_per_second: 10,
          ws_message_burst: 20,
          ws_connections_per_ip: 3,
          ws_idle_timeout: 30,
          cors_origins: ['https://ui.example:8443'],
          openai_api_keys: ['sk-local-123456']
        }
      },
      'test.yml'
    )
    assert.deepEqual(c.gateway, {
      bodyLimitBytes: 4096,
      requestTimeoutMs: 2500,
      restRateLimitPerMinute: 0,
      wsMessagesPerSecond: 10,
      wsMessageBurst: 20,
      wsConnectionsPerIp: 3,
      wsIdleTimeoutMs: 30_000,
      corsOrigins: ['https://ui.example:8443'],
      openaiApiKeys: ['sk-local-123456']
    })
  })

  it('names the key of a bad gateway value', () => {
    const load = (gateway: unknown) => configFromDocument({ gateway }, 'test.yml')
    assertConfigError(() => load({ body_limit: 10 }), /^test\.yml: gateway\.body_limit: must be a number between 1024/)
    assertConfigError(() => load({ cors_origins: ['*'] }), /gateway\.cors_origins: \* is not an origin/)
    assertConfigError(() => load({ cors_origins: ['https://x.example/path'] }), /gateway\.cors_origins/)
    assertConfigError(() => load({ openai_api_keys: ['short'] }), /gateway\.openai_api_keys: every key must have at least 8 characters/)
    assertConfigError(() => load({ ws_message_burst: 0 }), /gateway\.ws_message_burst/)
  })

  it('validates realms and workers given at run time', () => {
    const r = realmFromDocument('$ART', { primary_query_type: 'imagine', max_queue_size: 5 }, 'admin API')
    assert.equal(r.primaryQueryType, 'imagine')
    assert.equal(r.maxQueueSize, 5)
    assertConfigError(() => realmFromDocument('bad name!', { primary_query_type: 'chat' }, 'admin API'), /^admin API: name: may only hold/)
    assertConfigError(
      () => realmFromDocument('$X', { primary_query_type: 'chat', workers: [] }, 'admin API'),
      /config\.workers: add workers with the workers API/
    )
    const w = workerFromDocument({ name: 'gpu', type: 'chat', url: '127.0.0.1:8000', capacity: 2 }, 'admin API')
    assert.deepEqual(w, { name: 'gpu', kind: 'legacy', type: 'chat', url: 'http://127.0.0.1:8000', models: [], capacity: 2, apiKey: undefined })
    assertConfigError(() => workerFromDocument({ name: 'gpu', url: 'x:1' }, 'admin API'), /worker\.type: must be one of/)
    assertConfigError(() => workerFromDocument({ type: 'chat', url: 'x:1' }, 'admin API'), /worker\.name: is required/)
  })
})
