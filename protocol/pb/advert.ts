import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WorkerAdvert {
  id: string
  kind: string
  queryType: string
  models: string[]
  capacity: number
  inFlight: number
  healthScore: number
  blacklisted: boolean
  avgServiceMs: number
}

export namespace WorkerAdvert {
  let _codec: Codec<WorkerAdvert>

  export const codec = (): Codec<WorkerAdvert> => {
    if (_codec == null) {
      _codec = message<WorkerAdvert>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(18)
          w.string(obj.kind)
        }

        if ((obj.queryType != null && obj.queryType !== '')) {
          w.uint32(26)
          w.string(obj.queryType)
        }

        if (obj.models != null && obj.models.length > 0) {
          for (const value of obj.models) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(40)
          w.uint32(obj.capacity)
        }

        if ((obj.inFlight != null && obj.inFlight !== 0)) {
          w.uint32(48)
          w.uint32(obj.inFlight)
        }

        if ((obj.healthScore != null && obj.healthScore !== 0)) {
          w.uint32(56)
          w.uint32(obj.healthScore)
        }

        if ((obj.blacklisted != null && obj.blacklisted !== false)) {
          w.uint32(64)
          w.bool(obj.blacklisted)
        }

        if ((obj.avgServiceMs != null && obj.avgServiceMs !== 0)) {
          w.uint32(72)
          w.uint32(obj.avgServiceMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          kind: '',
          queryType: '',
          models: [],
          capacity: 0,
          inFlight: 0,
          healthScore: 0,
          blacklisted: false,
          avgServiceMs: 0
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
              obj.kind = reader.string()
              break
            }
            case 3: {
              obj.queryType = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.models != null && obj.models.length === opts.limits.models) {
                throw new MaxLengthError('Decode error - repeated field "models" had too many elements')
              }

              obj.models.push(reader.string())
              break
            }
            case 5: {
              obj.capacity = reader.uint32()
              break
            }
            case 6: {
              obj.inFlight = reader.uint32()
              break
            }
            case 7: {
              obj.healthScore = reader.uint32()
              break
            }
            case 8: {
              obj.blacklisted = reader.bool()
              break
            }
            case 9: {
              obj.avgServiceMs = reader.uint32()
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
          models: 0
        }

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
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.queryType`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.models != null && obj.models === opts.limits.models) {
                throw new MaxLengthError('Streaming decode error - repeated field "models" had too many elements')
              }

              yield {
                field: `${prefix}.models[]`,
                index: obj.models,
                value: reader.string()
              }

              obj.models++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.inFlight`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.healthScore`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.blacklisted`,
                value: reader.bool()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.avgServiceMs`,
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

  export interface WorkerAdvertIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface WorkerAdvertKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface WorkerAdvertQueryTypeFieldEvent {
    field: '$.queryType'
    value: string
  }

  export interface WorkerAdvertModelsFieldEvent {
    field: '$.models[]'
    index: number
    value: string
  }

  export interface WorkerAdvertCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface WorkerAdvertInFlightFieldEvent {
    field: '$.inFlight'
    value: number
  }

  export interface WorkerAdvertHealthScoreFieldEvent {
    field: '$.healthScore'
    value: number
  }

  export interface WorkerAdvertBlacklistedFieldEvent {
    field: '$.blacklisted'
    value: boolean
  }

  export interface WorkerAdvertAvgServiceMsFieldEvent {
    field: '$.avgServiceMs'
    value: number
  }

  export function encode (obj: Partial<WorkerAdvert>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WorkerAdvert.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WorkerAdvert>): WorkerAdvert {
    return decodeMessage(buf, WorkerAdvert.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WorkerAdvert>): Generator<WorkerAdvertIdFieldEvent | WorkerAdvertKindFieldEvent | WorkerAdvertQueryTypeFieldEvent | WorkerAdvertModelsFieldEvent | WorkerAdvertCapacityFieldEvent | WorkerAdvertInFlightFieldEvent | WorkerAdvertHealthScoreFieldEvent | WorkerAdvertBlacklistedFieldEvent | WorkerAdvertAvgServiceMsFieldEvent> {
    return streamMessage(buf, WorkerAdvert.codec(), opts)
  }
}

export interface RealmAdvert {
  name: string
  queryTypes: string[]
  workers: WorkerAdvert[]
  queueDepth: number
  queueCapacity: number
  inFlight: number
}

export namespace RealmAdvert {
  let _codec: Codec<RealmAdvert>

  export const codec = (): Codec<RealmAdvert> => {
    if (_codec == null) {
      _codec = message<RealmAdvert>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.queryTypes != null && obj.queryTypes.length > 0) {
          for (const value of obj.queryTypes) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.workers != null && obj.workers.length > 0) {
          for (const value of obj.workers) {
            w.uint32(26)
            WorkerAdvert.codec().encode(value, w)
          }
        }

        if ((obj.queueDepth != null && obj.queueDepth !== 0)) {
          w.uint32(32)
          w.uint32(obj.queueDepth)
        }

        if ((obj.queueCapacity != null && obj.queueCapacity !== 0)) {
          w.uint32(40)
          w.uint32(obj.queueCapacity)
        }

        if ((obj.inFlight != null && obj.inFlight !== 0)) {
          w.uint32(48)
          w.uint32(obj.inFlight)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          queryTypes: [],
          workers: [],
          queueDepth: 0,
          queueCapacity: 0,
          inFlight: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.queryTypes != null && obj.queryTypes.length === opts.limits.queryTypes) {
                throw new MaxLengthError('Decode error - repeated field "queryTypes" had too many elements')
              }

              obj.queryTypes.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.workers != null && obj.workers.length === opts.limits.workers) {
                throw new MaxLengthError('Decode error - repeated field "workers" had too many elements')
              }

              obj.workers.push(WorkerAdvert.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.workers$
              }))
              break
            }
            case 4: {
              obj.queueDepth = reader.uint32()
              break
            }
            case 5: {
              obj.queueCapacity = reader.uint32()
              break
            }
            case 6: {
              obj.inFlight = reader.uint32()
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
          queryTypes: 0,
          workers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.queryTypes != null && obj.queryTypes === opts.limits.queryTypes) {
                throw new MaxLengthError('Streaming decode error - repeated field "queryTypes" had too many elements')
              }

              yield {
                field: `${prefix}.queryTypes[]`,
                index: obj.queryTypes,
                value: reader.string()
              }

              obj.queryTypes++

              break
            }
            case 3: {
              if (opts.limits?.workers != null && obj.workers === opts.limits.workers) {
                throw new MaxLengthError('Streaming decode error - repeated field "workers" had too many elements')
              }

              for (const evt of WorkerAdvert.codec().stream(reader, reader.uint32(), `${prefix}.workers[]`, {
                limits: opts.limits?.workers$
              })) {
                yield {
                  ...evt,
                  index: obj.workers
                }
              }

              obj.workers++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.queueDepth`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.queueCapacity`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.inFlight`,
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

  export interface RealmAdvertNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface RealmAdvertQueryTypesFieldEvent {
    field: '$.queryTypes[]'
    index: number
    value: string
  }

  export interface RealmAdvertWorkersIdFieldEvent {
    field: '$.workers[].id'
    value: string
    index: number
  }

  export interface RealmAdvertWorkersKindFieldEvent {
    field: '$.workers[].kind'
    value: string
    index: number
  }

  export interface RealmAdvertWorkersQueryTypeFieldEvent {
    field: '$.workers[].queryType'
    value: string
    index: number
  }

  export interface RealmAdvertWorkersModelsFieldEvent {
    field: '$.workers[].models[]'
    index: number
    value: string
  }

  export interface RealmAdvertWorkersCapacityFieldEvent {
    field: '$.workers[].capacity'
    value: number
    index: number
  }

  export interface RealmAdvertWorkersInFlightFieldEvent {
    field: '$.workers[].inFlight'
    value: number
    index: number
  }

  export interface RealmAdvertWorkersHealthScoreFieldEvent {
    field: '$.workers[].healthScore'
    value: number
    index: number
  }

  export interface RealmAdvertWorkersBlacklistedFieldEvent {
    field: '$.workers[].blacklisted'
    value: boolean
    index: number
  }

  export interface RealmAdvertWorkersAvgServiceMsFieldEvent {
    field: '$.workers[].avgServiceMs'
    value: number
    index: number
  }

  export interface RealmAdvertQueueDepthFieldEvent {
    field: '$.queueDepth'
    value: number
  }

  export interface RealmAdvertQueueCapacityFieldEvent {
    field: '$.queueCapacity'
    value: number
  }

  export interface RealmAdvertInFlightFieldEvent {
    field: '$.inFlight'
    value: number
  }

  export function encode (obj: Partial<RealmAdvert>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RealmAdvert.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RealmAdvert>): RealmAdvert {
    return decodeMessage(buf, RealmAdvert.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RealmAdvert>): Generator<RealmAdvertNameFieldEvent | RealmAdvertQueryTypesFieldEvent | RealmAdvertWorkersIdFieldEvent | RealmAdvertWorkersKindFieldEvent | RealmAdvertWorkersQueryTypeFieldEvent | RealmAdvertWorkersModelsFieldEvent | RealmAdvertWorkersCapacityFieldEvent | RealmAdvertWorkersInFlightFieldEvent | RealmAdvertWorkersHealthScoreFieldEvent | RealmAdvertWorkersBlacklistedFieldEvent | RealmAdvertWorkersAvgServiceMsFieldEvent | RealmAdvertQueueDepthFieldEvent | RealmAdvertQueueCapacityFieldEvent | RealmAdvertInFlightFieldEvent> {
    return streamMessage(buf, RealmAdvert.codec(), opts)
  }
}

export interface Advert {
  federationId: string
  peerId: Uint8Array<ArrayBuffer>
  addrs: Uint8Array<ArrayBuffer>[]
  version: string
  seq: bigint
  timestampMs: bigint
  realms: RealmAdvert[]
  storesShards: boolean
}

export namespace Advert {
  let _codec: Codec<Advert>

  export const codec = (): Codec<Advert> => {
    if (_codec == null) {
      _codec = message<Advert>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.federationId != null && obj.federationId !== '')) {
          w.uint32(10)
          w.string(obj.federationId)
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(34)
          w.string(obj.version)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(40)
          w.uint64(obj.seq)
        }

        if ((obj.timestampMs != null && obj.timestampMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.timestampMs)
        }

        if (obj.realms != null && obj.realms.length > 0) {
          for (const value of obj.realms) {
            w.uint32(58)
            RealmAdvert.codec().encode(value, w)
          }
        }

        if ((obj.storesShards != null && obj.storesShards !== false)) {
          w.uint32(64)
          w.bool(obj.storesShards)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          federationId: '',
          peerId: uint8ArrayAlloc(0),
          addrs: [],
          version: '',
          seq: 0n,
          timestampMs: 0n,
          realms: [],
          storesShards: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.federationId = reader.string()
              break
            }
            case 2: {
              obj.peerId = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 4: {
              obj.version = reader.string()
              break
            }
            case 5: {
              obj.seq = reader.uint64()
              break
            }
            case 6: {
              obj.timestampMs = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.realms != null && obj.realms.length === opts.limits.realms) {
                throw new MaxLengthError('Decode error - repeated field "realms" had too many elements')
              }

              obj.realms.push(RealmAdvert.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.realms$
              }))
              break
            }
            case 8: {
              obj.storesShards = reader.bool()
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
          addrs: 0,
          realms: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.federationId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.timestampMs`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.realms != null && obj.realms === opts.limits.realms) {
                throw new MaxLengthError('Streaming decode error - repeated field "realms" had too many elements')
              }

              for (const evt of RealmAdvert.codec().stream(reader, reader.uint32(), `${prefix}.realms[]`, {
                limits: opts.limits?.realms$
              })) {
                yield {
                  ...evt,
                  index: obj.realms
                }
              }

              obj.realms++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.storesShards`,
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

  export interface AdvertFederationIdFieldEvent {
    field: '$.federationId'
    value: string
  }

  export interface AdvertPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdvertAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdvertVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface AdvertSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface AdvertTimestampMsFieldEvent {
    field: '$.timestampMs'
    value: bigint
  }

  export interface AdvertRealmsNameFieldEvent {
    field: '$.realms[].name'
    value: string
    index: number
  }

  export interface AdvertRealmsQueryTypesFieldEvent {
    field: '$.realms[].queryTypes[]'
    index: number
    value: string
  }

  export interface AdvertRealmsWorkersIdFieldEvent {
    field: '$.realms[].workers[].id'
    value: string
    index: number
  }

  export interface AdvertRealmsWorkersKindFieldEvent {
    field: '$.realms[].workers[].kind'
    value: string
    index: number
  }

  export interface AdvertRealmsWorkersQueryTypeFieldEvent {
    field: '$.realms[].workers[].queryType'
    value: string
    index: number
  }

  export interface AdvertRealmsWorkersModelsFieldEvent {
    field: '$.realms[].workers[].models[]'
    index: number
    value: string
  }

  export interface AdvertRealmsWorkersCapacityFieldEvent {
    field: '$.realms[].workers[].capacity'
    value: number
    index: number
  }

  export interface AdvertRealmsWorkersInFlightFieldEvent {
    field: '$.realms[].workers[].inFlight'
    value: number
    index: number
  }

  export interface AdvertRealmsWorkersHealthScoreFieldEvent {
    field: '$.realms[].workers[].healthScore'
    value: number
    index: number
  }

  export interface AdvertRealmsWorkersBlacklistedFieldEvent {
    field: '$.realms[].workers[].blacklisted'
    value: boolean
    index: number
  }

  export interface AdvertRealmsWorkersAvgServiceMsFieldEvent {
    field: '$.realms[].workers[].avgServiceMs'
    value: number
    index: number
  }

  export interface AdvertRealmsQueueDepthFieldEvent {
    field: '$.realms[].queueDepth'
    value: number
    index: number
  }

  export interface AdvertRealmsQueueCapacityFieldEvent {
    field: '$.realms[].queueCapacity'
    value: number
    index: number
  }

  export interface AdvertRealmsInFlightFieldEvent {
    field: '$.realms[].inFlight'
    value: number
    index: number
  }

  export interface AdvertStoresShardsFieldEvent {
    field: '$.storesShards'
    value: boolean
  }

  export function encode (obj: Partial<Advert>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Advert.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Advert>): Advert {
    return decodeMessage(buf, Advert.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Advert>): Generator<AdvertFederationIdFieldEvent | AdvertPeerIdFieldEvent | AdvertAddrsFieldEvent | AdvertVersionFieldEvent | AdvertSeqFieldEvent | AdvertTimestampMsFieldEvent | AdvertRealmsNameFieldEvent | AdvertRealmsQueryTypesFieldEvent | AdvertRealmsWorkersIdFieldEvent | AdvertRealmsWorkersKindFieldEvent | AdvertRealmsWorkersQueryTypeFieldEvent | AdvertRealmsWorkersModelsFieldEvent | AdvertRealmsWorkersCapacityFieldEvent | AdvertRealmsWorkersInFlightFieldEvent | AdvertRealmsWorkersHealthScoreFieldEvent | AdvertRealmsWorkersBlacklistedFieldEvent | AdvertRealmsWorkersAvgServiceMsFieldEvent | AdvertRealmsQueueDepthFieldEvent | AdvertRealmsQueueCapacityFieldEvent | AdvertRealmsInFlightFieldEvent | AdvertStoresShardsFieldEvent> {
    return streamMessage(buf, Advert.codec(), opts)
  }
}
