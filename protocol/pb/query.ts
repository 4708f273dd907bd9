import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface QueryRequest {
  version: number
  id: string
  queryType: string
  modelType: string
  modelName: string
  prompt: string
  image: Uint8Array<ArrayBuffer>
  audio: Uint8Array<ArrayBuffer>
  deadlineMs: number
  hopCount: number
  stream: boolean
}

export namespace QueryRequest {
  let _codec: Codec<QueryRequest>

  export const codec = (): Codec<QueryRequest> => {
    if (_codec == null) {
      _codec = message<QueryRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(18)
          w.string(obj.id)
        }

        if ((obj.queryType != null && obj.queryType !== '')) {
          w.uint32(26)
          w.string(obj.queryType)
        }

        if ((obj.modelType != null && obj.modelType !== '')) {
          w.uint32(34)
          w.string(obj.modelType)
        }

        if ((obj.modelName != null && obj.modelName !== '')) {
          w.uint32(42)
          w.string(obj.modelName)
        }

        if ((obj.prompt != null && obj.prompt !== '')) {
          w.uint32(50)
          w.string(obj.prompt)
        }

        if ((obj.image != null && obj.image.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.image)
        }

        if ((obj.audio != null && obj.audio.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.audio)
        }

        if ((obj.deadlineMs != null && obj.deadlineMs !== 0)) {
          w.uint32(72)
          w.uint32(obj.deadlineMs)
        }

        if ((obj.hopCount != null && obj.hopCount !== 0)) {
          w.uint32(80)
          w.uint32(obj.hopCount)
        }

        if ((obj.stream != null && obj.stream !== false)) {
          w.uint32(88)
          w.bool(obj.stream)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          id: '',
          queryType: '',
          modelType: '',
          modelName: '',
          prompt: '',
          image: uint8ArrayAlloc(0),
          audio: uint8ArrayAlloc(0),
          deadlineMs: 0,
          hopCount: 0,
          stream: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.id = reader.string()
              break
            }
            case 3: {
              obj.queryType = reader.string()
              break
            }
            case 4: {
              obj.modelType = reader.string()
              break
            }
            case 5: {
              obj.modelName = reader.string()
              break
            }
            case 6: {
              obj.prompt = reader.string()
              break
            }
            case 7: {
              obj.image = reader.bytes()
              break
            }
            case 8: {
              obj.audio = reader.bytes()
              break
            }
            case 9: {
              obj.deadlineMs = reader.uint32()
              break
            }
            case 10: {
              obj.hopCount = reader.uint32()
              break
            }
            case 11: {
              obj.stream = reader.bool()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
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
              yield {
                field: `${prefix}.modelType`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.modelName`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.prompt`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.image`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.audio`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.deadlineMs`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.hopCount`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.stream`,
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

  export interface QueryRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface QueryRequestIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface QueryRequestQueryTypeFieldEvent {
    field: '$.queryType'
    value: string
  }

  export interface QueryRequestModelTypeFieldEvent {
    field: '$.modelType'
    value: string
  }

  export interface QueryRequestModelNameFieldEvent {
    field: '$.modelName'
    value: string
  }

  export interface QueryRequestPromptFieldEvent {
    field: '$.prompt'
    value: string
  }

  export interface QueryRequestImageFieldEvent {
    field: '$.image'
    value: Uint8Array<ArrayBuffer>
  }

  export interface QueryRequestAudioFieldEvent {
    field: '$.audio'
    value: Uint8Array<ArrayBuffer>
  }

  export interface QueryRequestDeadlineMsFieldEvent {
    field: '$.deadlineMs'
    value: number
  }

  export interface QueryRequestHopCountFieldEvent {
    field: '$.hopCount'
    value: number
  }

  export interface QueryRequestStreamFieldEvent {
    field: '$.stream'
    value: boolean
  }

  export function encode (obj: Partial<QueryRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, QueryRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryRequest>): QueryRequest {
    return decodeMessage(buf, QueryRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryRequest>): Generator<QueryRequestVersionFieldEvent | QueryRequestIdFieldEvent | QueryRequestQueryTypeFieldEvent | QueryRequestModelTypeFieldEvent | QueryRequestModelNameFieldEvent | QueryRequestPromptFieldEvent | QueryRequestImageFieldEvent | QueryRequestAudioFieldEvent | QueryRequestDeadlineMsFieldEvent | QueryRequestHopCountFieldEvent | QueryRequestStreamFieldEvent> {
    return streamMessage(buf, QueryRequest.codec(), opts)
  }
}

export enum ResponseKind {
  POSITION = 'POSITION',
  STARTED = 'STARTED',
  CHUNK = 'CHUNK',
  RESULT = 'RESULT',
  ERROR = 'ERROR'
}

enum __ResponseKindValues {
  POSITION = 0,
  STARTED = 1,
  CHUNK = 2,
  RESULT = 3,
  ERROR = 4
}

export namespace ResponseKind {
  export const codec = (): Codec<ResponseKind> => {
    return enumeration<ResponseKind>(__ResponseKindValues)
  }
}

export enum ResultType {
  TEXT = 'TEXT',
  IMAGE = 'IMAGE',
  AUDIO = 'AUDIO'
}

enum __ResultTypeValues {
  TEXT = 0,
  IMAGE = 1,
  AUDIO = 2
}

export namespace ResultType {
  export const codec = (): Codec<ResultType> => {
    return enumeration<ResultType>(__ResultTypeValues)
  }
}

export enum ErrorCode {
  INTERNAL = 'INTERNAL',
  BAD_REQUEST = 'BAD_REQUEST',
  UNSUPPORTED_VERSION = 'UNSUPPORTED_VERSION',
  NO_WORKER = 'NO_WORKER',
  QUEUE_FULL = 'QUEUE_FULL',
  OVERLOADED = 'OVERLOADED',
  WORKER_FAILED = 'WORKER_FAILED',
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  CANCELLED = 'CANCELLED',
  HOP_LIMIT = 'HOP_LIMIT'
}

enum __ErrorCodeValues {
  INTERNAL = 0,
  BAD_REQUEST = 1,
  UNSUPPORTED_VERSION = 2,
  NO_WORKER = 3,
  QUEUE_FULL = 4,
  OVERLOADED = 5,
  WORKER_FAILED = 6,
  DEADLINE_EXCEEDED = 7,
  CANCELLED = 8,
  HOP_LIMIT = 9
}

export namespace ErrorCode {
  export const codec = (): Codec<ErrorCode> => {
    return enumeration<ErrorCode>(__ErrorCodeValues)
  }
}

export interface QueryResult {
  type: ResultType
  text: string
  data: Uint8Array<ArrayBuffer>
  mime: string
  worker: string
  realm: string
  serviceMs: number
}

export namespace QueryResult {
  let _codec: Codec<QueryResult>

  export const codec = (): Codec<QueryResult> => {
    if (_codec == null) {
      _codec = message<QueryResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __ResultTypeValues[obj.type] !== 0) {
          w.uint32(8)
          ResultType.codec().encode(obj.type, w)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.data)
        }

        if ((obj.mime != null && obj.mime !== '')) {
          w.uint32(34)
          w.string(obj.mime)
        }

        if ((obj.worker != null && obj.worker !== '')) {
          w.uint32(42)
          w.string(obj.worker)
        }

        if ((obj.realm != null && obj.realm !== '')) {
          w.uint32(50)
          w.string(obj.realm)
        }

        if ((obj.serviceMs != null && obj.serviceMs !== 0)) {
          w.uint32(56)
          w.uint32(obj.serviceMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: ResultType.TEXT,
          text: '',
          data: uint8ArrayAlloc(0),
          mime: '',
          worker: '',
          realm: '',
          serviceMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ResultType.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.data = reader.bytes()
              break
            }
            case 4: {
              obj.mime = reader.string()
              break
            }
            case 5: {
              obj.worker = reader.string()
              break
            }
            case 6: {
              obj.realm = reader.string()
              break
            }
            case 7: {
              obj.serviceMs = reader.uint32()
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
                field: `${prefix}.type`,
                value: ResultType.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.mime`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.worker`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.realm`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.serviceMs`,
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

  export interface QueryResultTypeFieldEvent {
    field: '$.type'
    value: ResultType
  }

  export interface QueryResultTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface QueryResultDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface QueryResultMimeFieldEvent {
    field: '$.mime'
    value: string
  }

  export interface QueryResultWorkerFieldEvent {
    field: '$.worker'
    value: string
  }

  export interface QueryResultRealmFieldEvent {
    field: '$.realm'
    value: string
  }

  export interface QueryResultServiceMsFieldEvent {
    field: '$.serviceMs'
    value: number
  }

  export function encode (obj: Partial<QueryResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, QueryResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryResult>): QueryResult {
    return decodeMessage(buf, QueryResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryResult>): Generator<QueryResultTypeFieldEvent | QueryResultTextFieldEvent | QueryResultDataFieldEvent | QueryResultMimeFieldEvent | QueryResultWorkerFieldEvent | QueryResultRealmFieldEvent | QueryResultServiceMsFieldEvent> {
    return streamMessage(buf, QueryResult.codec(), opts)
  }
}

export interface QueryError {
  code: ErrorCode
  retryable: boolean
  message: string
}

export namespace QueryError {
  let _codec: Codec<QueryError>

  export const codec = (): Codec<QueryError> => {
    if (_codec == null) {
      _codec = message<QueryError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __ErrorCodeValues[obj.code] !== 0) {
          w.uint32(8)
          ErrorCode.codec().encode(obj.code, w)
        }

        if ((obj.retryable != null && obj.retryable !== false)) {
          w.uint32(16)
          w.bool(obj.retryable)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: ErrorCode.INTERNAL,
          retryable: false,
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = ErrorCode.codec().decode(reader)
              break
            }
            case 2: {
              obj.retryable = reader.bool()
              break
            }
            case 3: {
              obj.message = reader.string()
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
                field: `${prefix}.code`,
                value: ErrorCode.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.retryable`,
                value: reader.bool()
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

  export interface QueryErrorCodeFieldEvent {
    field: '$.code'
    value: ErrorCode
  }

  export interface QueryErrorRetryableFieldEvent {
    field: '$.retryable'
    value: boolean
  }

  export interface QueryErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<QueryError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, QueryError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryError>): QueryError {
    return decodeMessage(buf, QueryError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryError>): Generator<QueryErrorCodeFieldEvent | QueryErrorRetryableFieldEvent | QueryErrorMessageFieldEvent> {
    return streamMessage(buf, QueryError.codec(), opts)
  }
}

export interface QueryResponse {
  kind: ResponseKind
  position: number
  text: string
  worker: string
  realm: string
  result?: QueryResult
  error?: QueryError
}

export namespace QueryResponse {
  let _codec: Codec<QueryResponse>

  export const codec = (): Codec<QueryResponse> => {
    if (_codec == null) {
      _codec = message<QueryResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __ResponseKindValues[obj.kind] !== 0) {
          w.uint32(8)
          ResponseKind.codec().encode(obj.kind, w)
        }

        if ((obj.position != null && obj.position !== 0)) {
          w.uint32(16)
          w.uint32(obj.position)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(26)
          w.string(obj.text)
        }

        if ((obj.worker != null && obj.worker !== '')) {
          w.uint32(34)
          w.string(obj.worker)
        }

        if ((obj.realm != null && obj.realm !== '')) {
          w.uint32(42)
          w.string(obj.realm)
        }

        if (obj.result != null) {
          w.uint32(50)
          QueryResult.codec().encode(obj.result, w)
        }

        if (obj.error != null) {
          w.uint32(58)
          QueryError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: ResponseKind.POSITION,
          position: 0,
          text: '',
          worker: '',
          realm: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = ResponseKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.position = reader.uint32()
              break
            }
            case 3: {
              obj.text = reader.string()
              break
            }
            case 4: {
              obj.worker = reader.string()
              break
            }
            case 5: {
              obj.realm = reader.string()
              break
            }
            case 6: {
              obj.result = QueryResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.result
              })
              break
            }
            case 7: {
              obj.error = QueryError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
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
                field: `${prefix}.kind`,
                value: ResponseKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.position`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.worker`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.realm`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield * QueryResult.codec().stream(reader, reader.uint32(), `${prefix}.result`, {
                limits: opts.limits?.result
              })

              break
            }
            case 7: {
              yield * QueryError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

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

  export interface QueryResponseKindFieldEvent {
    field: '$.kind'
    value: ResponseKind
  }

  export interface QueryResponsePositionFieldEvent {
    field: '$.position'
    value: number
  }

  export interface QueryResponseTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface QueryResponseWorkerFieldEvent {
    field: '$.worker'
    value: string
  }

  export interface QueryResponseRealmFieldEvent {
    field: '$.realm'
    value: string
  }

  export interface QueryResponseResultTypeFieldEvent {
    field: '$.result.type'
    value: ResultType
  }

  export interface QueryResponseResultTextFieldEvent {
    field: '$.result.text'
    value: string
  }

  export interface QueryResponseResultDataFieldEvent {
    field: '$.result.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface QueryResponseResultMimeFieldEvent {
    field: '$.result.mime'
    value: string
  }

  export interface QueryResponseResultWorkerFieldEvent {
    field: '$.result.worker'
    value: string
  }

  export interface QueryResponseResultRealmFieldEvent {
    field: '$.result.realm'
    value: string
  }

  export interface QueryResponseResultServiceMsFieldEvent {
    field: '$.result.serviceMs'
    value: number
  }

  export interface QueryResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: ErrorCode
  }

  export interface QueryResponseErrorRetryableFieldEvent {
    field: '$.error.retryable'
    value: boolean
  }

  export interface QueryResponseErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export function encode (obj: Partial<QueryResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, QueryResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryResponse>): QueryResponse {
    return decodeMessage(buf, QueryResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<QueryResponse>): Generator<QueryResponseKindFieldEvent | QueryResponsePositionFieldEvent | QueryResponseTextFieldEvent | QueryResponseWorkerFieldEvent | QueryResponseRealmFieldEvent | QueryResponseResultTypeFieldEvent | QueryResponseResultTextFieldEvent | QueryResponseResultDataFieldEvent | QueryResponseResultMimeFieldEvent | QueryResponseResultWorkerFieldEvent | QueryResponseResultRealmFieldEvent | QueryResponseResultServiceMsFieldEvent | QueryResponseErrorCodeFieldEvent | QueryResponseErrorRetryableFieldEvent | QueryResponseErrorMessageFieldEvent> {
    return streamMessage(buf, QueryResponse.codec(), opts)
  }
}
