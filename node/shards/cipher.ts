import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { ShardIntegrityError } from './errors.js'

const SALT = 'rentahal/shard/1'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * IVs are cut from a pool of CSPRNG bytes refilled 256 IVs at a time: one
 * randomBytes call per IV was a measurable part of every query record
 * (scripts/bench/ws.ts). Bytes are never handed out twice.
 */
const IV_POOL_BYTES = IV_BYTES * 256
let ivPool = Buffer.alloc(0)
let ivOffset = 0
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES)
    ivOffset = 0
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES)
  ivOffset += IV_BYTES
  return iv
}

function aad(key: Uint8Array, entryId: string, version: bigint): Buffer {
  const v = Buffer.alloc(8)
  v.writeBigUInt64BE(version)
  return Buffer.concat([key, Buffer.from(entryId, 'latin1'), Buffer.from([0]), v])
}

/**
 * Encrypts one user's record entries with AES-256-GCM under a key derived
 * (HKDF-SHA256) from the GUID. Storage peers only ever see sha256(guid), from
 * which neither the GUID nor this key can be computed. The record key, entry
 * id and version are authenticated with each value, so a replica cannot move a
 * ciphertext to another entry or version without the decryption failing.
 */
export class RecordCipher {
  private readonly encKey: Buffer
  private readonly tagKey: Buffer
  /** Tags asked for again and again (a writer's counter id on every query), bounded. */
  private readonly tags = new Map<string, string>()

  constructor(secret: string) {
    this.encKey = Buffer.from(hkdfSync('sha256', secret, SALT, 'record encryption', 32))
    this.tagKey = Buffer.from(hkdfSync('sha256', secret, SALT, 'opaque tags', 32))
  }

  /** `iv (12) | ciphertext | GCM tag (16)`. */
  encrypt(key: Uint8Array, entryId: string, version: bigint, plaintext: Uint8Array): Uint8Array {
    const iv = nextIv()
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv)
    cipher.setAAD(aad(key, entryId, version))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
    return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]))
  }

  decrypt(key: Uint8Array, entryId: string, version: bigint, data: Uint8Array): Uint8Array {
    if (data.byteLength < IV_BYTES + TAG_BYTES) throw new ShardIntegrityError(`entry ${entryId} is too short to be a ciphertext`)
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encKey, buf.subarray(0, IV_BYTES))
      decipher.setAAD(aad(key, entryId, version))
      decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES))
      return new Uint8Array(Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]))
    } catch {
      throw new ShardIntegrityError(`entry ${entryId} failed authentication`)
    }
  }

  encryptJson(key: Uint8Array, entryId: string, version: bigint, value: unknown): Uint8Array {
    return this.encrypt(key, entryId, version, Buffer.from(JSON.stringify(value), 'utf8'))
  }

  decryptJson<T>(key: Uint8Array, entryId: string, version: bigint, data: Uint8Array): T {
    return JSON.parse(Buffer.from(this.decrypt(key, entryId, version, data)).toString('utf8')) as T
  }

  /** A stable opaque tag (base64url, 22 chars) for `label`, unlinkable without the GUID. */
  tag(label: string): string {
    let tag = this.tags.get(label)
    if (tag === undefined) {
      tag = createHmac('sha256', this.tagKey).update(label).digest().subarray(0, 16).toString('base64url')
      if (this.tags.size >= 64) this.tags.clear()
      this.tags.set(label, tag)
    }
    return tag
  }

  /** 32 opaque bytes for `label` (e.g. the owner token of a nickname claim). */
  token(label: string): Uint8Array {
    return new Uint8Array(createHmac('sha256', this.tagKey).update(label).digest())
  }
}
