export { createP2P, MAX_CONNECTIONS, type P2PInit, type RentahalLibp2p, type RentahalServices } from './create.js'
export { loadOrCreatePeerKey, PEER_KEY_FILE } from './key.js'
