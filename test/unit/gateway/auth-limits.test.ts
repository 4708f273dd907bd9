import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { loadOrCreateAdminToken, readAdminToken } from '../../../node/admin-token.js'
import { bearerToken, guidForApiKey, secretEquals, secretInList } from '../../../node/gateway/auth.js'
import { MessageRateLimiter } from '../../../node/gateway/ws-limits.js'
import { canonicalGuid } from '../../../node/users/index.js'
import { TempDirs } from '../../helpers/temp.js'

describe('admin token, secrets and message rate limits', () => {
  const temp = new TempDirs()
  afterEach(() => temp.cleanup())

  it('creates a 32-byte hex admin token, mode 0600, once per data dir', async () => {
    const dir = await temp.make()
    assert.equal(await readAdminToken(dir), undefined)
    const token = await loadOrCreateAdminToken(dir)
    assert.match(token, /^[0-9a-f]{64}$/)
    assert.equal((await stat(join(dir, 'admin-token'))).mode & 0o777, 0o600)
    assert.equal(await loadOrCreateAdminToken(dir), token)
    assert.equal(await readAdminToken(dir), token)
    assert.notEqual(await loadOrCreateAdminToken(await temp.make()), token)
  })

  it('compares secrets exactly, whatever their length', () => {
    assert.equal(secretEquals('abc', 'abc'), true)
    assert.equal(secretEquals('abc', 'abd'), false)
    assert.equal(secretEquals('abc', 'abcd'), false)
    assert.equal(secretEquals('abc', ''), false)
    assert.equal(secretInList(['k1-aaaaaaaa', 'k2-bbbbbbbb'], 'k2-bbbbbbbb'), true)
    assert.equal(secretInList(['k1-aaaaaaaa'], 'k2-bbbbbbbb'), false)
    assert.equal(bearerToken('Bearer abc'), 'abc')
    assert.equal(bearerToken('bearer  abc '), 'abc')
    assert.equal(bearerToken('Basic abc'), undefined)
    assert.equal(bearerToken(undefined), undefined)
  })

  it('gives each API key its own stable user GUID', () => {
    const a = guidForApiKey('sk-one')
    assert.equal(canonicalGuid(a), a)
    assert.equal(guidForApiKey('sk-one'), a)
    assert.notEqual(guidForApiKey('sk-two'), a)
  })

  it('lets a burst through, then the sustained rate', () => {
    let now = 0
    const limiter = new MessageRateLimiter(2, 3, () => now)
    assert.deepEqual([limiter.take(), limiter.take(), limiter.take(), limiter.take()], [true, true, true, false])
    now = 500
    assert.deepEqual([limiter.take(), limiter.take()], [true, false])
    now = 10_000
    assert.deepEqual([limiter.take(), limiter.take(), limiter.take(), limiter.take()], [true, true, true, false], 'never more than the burst')
    const unlimited = new MessageRateLimiter(0, 1, () => 0)
    for (let i = 0; i < 1000; i++) assert.equal(unlimited.take(), true)
  })
})
