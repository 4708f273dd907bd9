import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ShardEntry {
  id: string
  version: bigint
  value: Uint8Array<ArrayBuffer>
}

export namespace ShardEntry {
  let _codec: Codec<ShardEntry>

  export const codec = (): Codec<ShardEntry> => {
    if (_codec == null) {
      _codec = message<ShardEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(16)
          w.uint64(obj.version)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          version: 0n,
          value: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.version = reader.uint64()
              break
            }
            case 3: {
              obj.value = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ShardEntryIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface ShardEntryVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ShardEntryValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ShardEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardEntry>): ShardEntry {
    return decodeMessage(buf, ShardEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardEntry>): Generator<ShardEntryIdFieldEvent | ShardEntryVersionFieldEvent | ShardEntryValueFieldEvent> {
    return streamMessage(buf, ShardEntry.codec(), opts)
  }
}

export interface ShardRecord {
  key: Uint8Array<ArrayBuffer>
  entries: ShardEntry[]
  digest: Uint8Array<ArrayBuffer>
  more: boolean
}

export namespace ShardRecord {
  let _codec: Codec<ShardRecord>

  export const codec = (): Codec<ShardRecord> => {
    if (_codec == null) {
      _codec = message<ShardRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(18)
            ShardEntry.codec().encode(value, w)
          }
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.digest)
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(32)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          entries: [],
          digest: uint8ArrayAlloc(0),
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(ShardEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 3: {
              obj.digest = reader.bytes()
              break
            }
            case 4: {
              obj.more = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of ShardEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ShardRecordKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardRecordEntriesIdFieldEvent {
    field: '$.entries[].id'
    value: string
    index: number
  }

  export interface ShardRecordEntriesVersionFieldEvent {
    field: '$.entries[].version'
    value: bigint
    index: number
  }

  export interface ShardRecordEntriesValueFieldEvent {
    field: '$.entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardRecordDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardRecordMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<ShardRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRecord>): ShardRecord {
    return decodeMessage(buf, ShardRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRecord>): Generator<ShardRecordKeyFieldEvent | ShardRecordEntriesIdFieldEvent | ShardRecordEntriesVersionFieldEvent | ShardRecordEntriesValueFieldEvent | ShardRecordDigestFieldEvent | ShardRecordMoreFieldEvent> {
    return streamMessage(buf, ShardRecord.codec(), opts)
  }
}

export interface ShardQuery {
  key: Uint8Array<ArrayBuffer>
  prefix: string
  limit: number
  reverse: boolean
  after?: string
}

export namespace ShardQuery {
  let _codec: Codec<ShardQuery>

  export const codec = (): Codec<ShardQuery> => {
    if (_codec == null) {
      _codec = message<ShardQuery>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.prefix != null && obj.prefix !== '')) {
          w.uint32(18)
          w.string(obj.prefix)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(24)
          w.uint32(obj.limit)
        }

        if ((obj.reverse != null && obj.reverse !== false)) {
          w.uint32(32)
          w.bool(obj.reverse)
        }

        if (obj.after != null) {
          w.uint32(42)
          w.string(obj.after)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          prefix: '',
          limit: 0,
          reverse: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.prefix = reader.string()
              break
            }
            case 3: {
              obj.limit = reader.uint32()
              break
            }
            case 4: {
              obj.reverse = reader.bool()
              break
            }
            case 5: {
              obj.after = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.prefix`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.reverse`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.after`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ShardQueryKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardQueryPrefixFieldEvent {
    field: '$.prefix'
    value: string
  }

  export interface ShardQueryLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export interface ShardQueryReverseFieldEvent {
    field: '$.reverse'
    value: boolean
  }

  export interface ShardQueryAfterFieldEvent {
    field: '$.after'
    value: string
  }

  export function encode (obj: Partial<ShardQuery>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardQuery.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardQuery>): ShardQuery {
    return decodeMessage(buf, ShardQuery.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardQuery>): Generator<ShardQueryKeyFieldEvent | ShardQueryPrefixFieldEvent | ShardQueryLimitFieldEvent | ShardQueryReverseFieldEvent | ShardQueryAfterFieldEvent> {
    return streamMessage(buf, ShardQuery.codec(), opts)
  }
}

export interface KeyDigest {
  key: Uint8Array<ArrayBuffer>
  digest: Uint8Array<ArrayBuffer>
}

export namespace KeyDigest {
  let _codec: Codec<KeyDigest>

  export const codec = (): Codec<KeyDigest> => {
    if (_codec == null) {
      _codec = message<KeyDigest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.digest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          digest: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.digest = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface KeyDigestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyDigestDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyDigest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyDigest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyDigest>): KeyDigest {
    return decodeMessage(buf, KeyDigest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyDigest>): Generator<KeyDigestKeyFieldEvent | KeyDigestDigestFieldEvent> {
    return streamMessage(buf, KeyDigest.codec(), opts)
  }
}

export interface ShardRequest {
  id: number
  type: ShardRequest.Type
  records: ShardRecord[]
  queries: ShardQuery[]
  bucket: number
  after?: Uint8Array<ArrayBuffer>
  key: Uint8Array<ArrayBuffer>
  token: Uint8Array<ArrayBuffer>
  guard: string
  ttlMs: number
}

export namespace ShardRequest {
  export enum Type {
    UNSPECIFIED = 'UNSPECIFIED',
    PUT = 'PUT',
    GET = 'GET',
    BUCKETS = 'BUCKETS',
    KEYS = 'KEYS',
    LOCK = 'LOCK',
    UNLOCK = 'UNLOCK'
  }

  enum __TypeValues {
    UNSPECIFIED = 0,
    PUT = 1,
    GET = 2,
    BUCKETS = 3,
    KEYS = 4,
    LOCK = 5,
    UNLOCK = 6
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<ShardRequest>

  export const codec = (): Codec<ShardRequest> => {
    if (_codec == null) {
      _codec = message<ShardRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(16)
          ShardRequest.Type.codec().encode(obj.type, w)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(26)
            ShardRecord.codec().encode(value, w)
          }
        }

        if (obj.queries != null && obj.queries.length > 0) {
          for (const value of obj.queries) {
            w.uint32(34)
            ShardQuery.codec().encode(value, w)
          }
        }

        if ((obj.bucket != null && obj.bucket !== 0)) {
          w.uint32(40)
          w.uint32(obj.bucket)
        }

        if (obj.after != null) {
          w.uint32(50)
          w.bytes(obj.after)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.key)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.token)
        }

        if ((obj.guard != null && obj.guard !== '')) {
          w.uint32(74)
          w.string(obj.guard)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(80)
          w.uint32(obj.ttlMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          type: Type.UNSPECIFIED,
          records: [],
          queries: [],
          bucket: 0,
          key: uint8ArrayAlloc(0),
          token: uint8ArrayAlloc(0),
          guard: '',
          ttlMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.type = ShardRequest.Type.codec().decode(reader)
              break
            }
            case 3: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(ShardRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 4: {
              if (opts.limits?.queries != null && obj.queries.length === opts.limits.queries) {
                throw new MaxLengthError('Decode error - repeated field "queries" had too many elements')
              }

              obj.queries.push(ShardQuery.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.queries$
              }))
              break
            }
            case 5: {
              obj.bucket = reader.uint32()
              break
            }
            case 6: {
              obj.after = reader.bytes()
              break
            }
            case 7: {
              obj.key = reader.bytes()
              break
            }
            case 8: {
              obj.token = reader.bytes()
              break
            }
            case 9: {
              obj.guard = reader.string()
              break
            }
            case 10: {
              obj.ttlMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          records: 0,
          queries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.type`,
                value: ShardRequest.Type.codec().decode(reader)
              }
              break
            }
            case 3: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of ShardRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 4: {
              if (opts.limits?.queries != null && obj.queries === opts.limits.queries) {
                throw new MaxLengthError('Streaming decode error - repeated field "queries" had too many elements')
              }

              for (const evt of ShardQuery.codec().stream(reader, reader.uint32(), `${prefix}.queries[]`, {
                limits: opts.limits?.queries$
              })) {
                yield {
                  ...evt,
                  index: obj.queries
                }
              }

              obj.queries++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.bucket`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.after`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.guard`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ShardRequestIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface ShardRequestTypeFieldEvent {
    field: '$.type'
    value: ShardRequest.Type
  }

  export interface ShardRequestRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardRequestRecordsEntriesIdFieldEvent {
    field: '$.records[].entries[].id'
    value: string
    index: number
  }

  export interface ShardRequestRecordsEntriesVersionFieldEvent {
    field: '$.records[].entries[].version'
    value: bigint
    index: number
  }

  export interface ShardRequestRecordsEntriesValueFieldEvent {
    field: '$.records[].entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardRequestRecordsDigestFieldEvent {
    field: '$.records[].digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardRequestRecordsMoreFieldEvent {
    field: '$.records[].more'
    value: boolean
    index: number
  }

  export interface ShardRequestQueriesKeyFieldEvent {
    field: '$.queries[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardRequestQueriesPrefixFieldEvent {
    field: '$.queries[].prefix'
    value: string
    index: number
  }

  export interface ShardRequestQueriesLimitFieldEvent {
    field: '$.queries[].limit'
    value: number
    index: number
  }

  export interface ShardRequestQueriesReverseFieldEvent {
    field: '$.queries[].reverse'
    value: boolean
    index: number
  }

  export interface ShardRequestQueriesAfterFieldEvent {
    field: '$.queries[].after'
    value: string
    index: number
  }

  export interface ShardRequestBucketFieldEvent {
    field: '$.bucket'
    value: number
  }

  export interface ShardRequestAfterFieldEvent {
    field: '$.after'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardRequestTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardRequestGuardFieldEvent {
    field: '$.guard'
    value: string
  }

  export interface ShardRequestTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export function encode (obj: Partial<ShardRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRequest>): ShardRequest {
    return decodeMessage(buf, ShardRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRequest>): Generator<ShardRequestIdFieldEvent | ShardRequestTypeFieldEvent | ShardRequestRecordsKeyFieldEvent | ShardRequestRecordsEntriesIdFieldEvent | ShardRequestRecordsEntriesVersionFieldEvent | ShardRequestRecordsEntriesValueFieldEvent | ShardRequestRecordsDigestFieldEvent | ShardRequestRecordsMoreFieldEvent | ShardRequestQueriesKeyFieldEvent | ShardRequestQueriesPrefixFieldEvent | ShardRequestQueriesLimitFieldEvent | ShardRequestQueriesReverseFieldEvent | ShardRequestQueriesAfterFieldEvent | ShardRequestBucketFieldEvent | ShardRequestAfterFieldEvent | ShardRequestKeyFieldEvent | ShardRequestTokenFieldEvent | ShardRequestGuardFieldEvent | ShardRequestTtlMsFieldEvent> {
    return streamMessage(buf, ShardRequest.codec(), opts)
  }
}

export interface ShardResponse {
  id: number
  status: ShardResponse.Status
  message: string
  records: ShardRecord[]
  buckets: Uint8Array<ArrayBuffer>[]
  keys: KeyDigest[]
  more: boolean
}

export namespace ShardResponse {
  export enum Status {
    OK = 'OK',
    BAD_REQUEST = 'BAD_REQUEST',
    TOO_LARGE = 'TOO_LARGE',
    STORE_FAILED = 'STORE_FAILED',
    UNAVAILABLE = 'UNAVAILABLE',
    TAKEN = 'TAKEN',
    BUSY = 'BUSY'
  }

  enum __StatusValues {
    OK = 0,
    BAD_REQUEST = 1,
    TOO_LARGE = 2,
    STORE_FAILED = 3,
    UNAVAILABLE = 4,
    TAKEN = 5,
    BUSY = 6
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<ShardResponse>

  export const codec = (): Codec<ShardResponse> => {
    if (_codec == null) {
      _codec = message<ShardResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(16)
          ShardResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(34)
            ShardRecord.codec().encode(value, w)
          }
        }

        if (obj.buckets != null && obj.buckets.length > 0) {
          for (const value of obj.buckets) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.keys != null && obj.keys.length > 0) {
          for (const value of obj.keys) {
            w.uint32(50)
            KeyDigest.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(56)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          status: Status.OK,
          message: '',
          records: [],
          buckets: [],
          keys: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.status = ShardResponse.Status.codec().decode(reader)
              break
            }
            case 3: {
              obj.message = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(ShardRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 5: {
              if (opts.limits?.buckets != null && obj.buckets.length === opts.limits.buckets) {
                throw new MaxLengthError('Decode error - repeated field "buckets" had too many elements')
              }

              obj.buckets.push(reader.bytes())
              break
            }
            case 6: {
              if (opts.limits?.keys != null && obj.keys.length === opts.limits.keys) {
                throw new MaxLengthError('Decode error - repeated field "keys" had too many elements')
              }

              obj.keys.push(KeyDigest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.keys$
              }))
              break
            }
            case 7: {
              obj.more = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          records: 0,
          buckets: 0,
          keys: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: ShardResponse.Status.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of ShardRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 5: {
              if (opts.limits?.buckets != null && obj.buckets === opts.limits.buckets) {
                throw new MaxLengthError('Streaming decode error - repeated field "buckets" had too many elements')
              }

              yield {
                field: `${prefix}.buckets[]`,
                index: obj.buckets,
                value: reader.bytes()
              }

              obj.buckets++

              break
            }
            case 6: {
              if (opts.limits?.keys != null && obj.keys === opts.limits.keys) {
                throw new MaxLengthError('Streaming decode error - repeated field "keys" had too many elements')
              }

              for (const evt of KeyDigest.codec().stream(reader, reader.uint32(), `${prefix}.keys[]`, {
                limits: opts.limits?.keys$
              })) {
                yield {
                  ...evt,
                  index: obj.keys
                }
              }

              obj.keys++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ShardResponseIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface ShardResponseStatusFieldEvent {
    field: '$.status'
    value: ShardResponse.Status
  }

  export interface ShardResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface ShardResponseRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardResponseRecordsEntriesIdFieldEvent {
    field: '$.records[].entries[].id'
    value: string
    index: number
  }

  export interface ShardResponseRecordsEntriesVersionFieldEvent {
    field: '$.records[].entries[].version'
    value: bigint
    index: number
  }

  export interface ShardResponseRecordsEntriesValueFieldEvent {
    field: '$.records[].entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardResponseRecordsDigestFieldEvent {
    field: '$.records[].digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardResponseRecordsMoreFieldEvent {
    field: '$.records[].more'
    value: boolean
    index: number
  }

  export interface ShardResponseBucketsFieldEvent {
    field: '$.buckets[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardResponseKeysKeyFieldEvent {
    field: '$.keys[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardResponseKeysDigestFieldEvent {
    field: '$.keys[].digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ShardResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<ShardResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardResponse>): ShardResponse {
    return decodeMessage(buf, ShardResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardResponse>): Generator<ShardResponseIdFieldEvent | ShardResponseStatusFieldEvent | ShardResponseMessageFieldEvent | ShardResponseRecordsKeyFieldEvent | ShardResponseRecordsEntriesIdFieldEvent | ShardResponseRecordsEntriesVersionFieldEvent | ShardResponseRecordsEntriesValueFieldEvent | ShardResponseRecordsDigestFieldEvent | ShardResponseRecordsMoreFieldEvent | ShardResponseBucketsFieldEvent | ShardResponseKeysKeyFieldEvent | ShardResponseKeysDigestFieldEvent | ShardResponseMoreFieldEvent> {
    return streamMessage(buf, ShardResponse.codec(), opts)
  }
}
