import assert from 'node:assert/strict'
import { RecordCipher } from '../../../node/shards/cipher.js'
import { HLC_MAX_DRIFT_MS, HybridClock, hlcMillis } from '../../../node/shards/hlc.js'
import { userShardKey } from '../../../node/shards/keys.js'

describe('RecordCipher', () => {
  const guid = '0b6f3f0e-8a47-4d8e-9a3e-2f1c5d4b7a10'
  const key = userShardKey(guid)

  it('round-trips values and never shows them in clear', () => {
    const cipher = new RecordCipher(guid)
    const data = cipher.encryptJson(key, 'h/1', 0n, { prompt: 'tell me a secret' })
    assert.equal(Buffer.from(data).indexOf('secret'), -1)
    assert.deepEqual(new RecordCipher(guid).decryptJson(key, 'h/1', 0n, data), { prompt: 'tell me a secret' })
  })

  it('refuses tampered values, values moved to another entry or version, and other users', () => {
    const cipher = new RecordCipher(guid)
    const data = cipher.encryptJson(key, 'r/banned', 7n, true)
    const flipped = new Uint8Array(data)
    flipped[14] = (flipped[14] as number) ^ 1
    assert.throws(() => cipher.decrypt(key, 'r/banned', 7n, flipped), { name: 'ShardIntegrityError' })
    assert.throws(() => cipher.decrypt(key, 'r/sysop', 7n, data), { name: 'ShardIntegrityError' })
    assert.throws(() => cipher.decrypt(key, 'r/banned', 8n, data), { name: 'ShardIntegrityError' })
    assert.throws(() => new RecordCipher(crypto.randomUUID()).decrypt(key, 'r/banned', 7n, data), { name: 'ShardIntegrityError' })
  })

  it('gives every encryption its own IV, across refills of the IV pool', () => {
    const cipher = new RecordCipher(crypto.randomUUID())
    const key = userShardKey('iv test')
    const ivs = new Set<string>()
    for (let i = 0; i < 1_000; i++) {
      const sealed = cipher.encrypt(key, 'h/1', 0n, new Uint8Array([1, 2, 3]))
      ivs.add(Buffer.from(sealed.subarray(0, 12)).toString('hex'))
      assert.deepEqual([...cipher.decrypt(key, 'h/1', 0n, sealed)], [1, 2, 3])
    }
    assert.equal(ivs.size, 1_000)
  })

  it('derives tags that are stable per user and differ between users', () => {
    assert.equal(new RecordCipher(guid).tag('writer:a'), new RecordCipher(guid).tag('writer:a'))
    assert.notEqual(new RecordCipher(guid).tag('writer:a'), new RecordCipher(crypto.randomUUID()).tag('writer:a'))
    assert.match(new RecordCipher(guid).tag('writer:a'), /^[A-Za-z0-9_-]{22}$/)
  })
})

describe('HybridClock', () => {
  it('only grows, stays near the wall clock, and moves past what it observed', () => {
    let wall = 1_000_000
    const clock = new HybridClock(() => wall)
    const a = clock.now()
    assert.equal(hlcMillis(a), 1_000_000)
    wall -= 5_000 // the machine's clock steps back
    const b = clock.now()
    assert.ok(b > a)
    clock.observe((BigInt(wall + 60_000) << 16n) + 3n) // a peer one minute ahead
    const c = clock.now()
    assert.ok(c > (BigInt(wall + 60_000) << 16n) + 3n)
    clock.observe(BigInt(wall + HLC_MAX_DRIFT_MS + 1_000) << 16n) // absurdly far ahead: ignored
    assert.ok(hlcMillis(clock.now()) < wall + HLC_MAX_DRIFT_MS)
  })
})
