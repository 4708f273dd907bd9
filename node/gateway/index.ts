export { BODY_LIMIT_BYTES, buildGateway, type Gateway, type GatewayComponents, type GatewayInit, type NodeInfo, QUEUE_TICK_MS } from './app.js'
export { legacyErrorMessage } from './errors.js'
export { ClientHub } from './hub.js'
export { decodeAttachment, InvalidQueryError, QueryDesk, toWorkerRequest } from './query-desk.js'
