import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import { createPeerScoreParams, createTopicScoreParams } from '@libp2p/gossipsub/score'
import { type Identify, identify } from '@libp2p/identify'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper, removePublicAddressesMapper } from '@libp2p/kad-dht'
import { memory } from '@libp2p/memory'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { advertTopic, dhtProtocol } from '../../protocol/index.js'
import { quietLogger } from './logger.js'

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type RentahalServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

export type RentahalLibp2p = Libp2p<RentahalServices>

export interface P2PInit {
  privateKey: PrivateKey
  federationId: string
  /**
   * `tcp`: TCP on `port` and WebSockets on `port + 1` (both 0 when port is 0).
   * `memory`: the in-process memory transport, for tests and simulations.
   */
  transport: 'tcp' | 'memory'
  host?: string
  port?: number
  /** Memory transport listen name (unique per process). */
  memoryName?: string
  /** Extra addresses to announce (e.g. a public address behind NAT). */
  announce?: string[]
  /** LAN discovery, only with the operator's explicit --mdns; never in tests. */
  mdns?: boolean
  /** Deny connections (tests use it to partition the federation). */
  connectionGater?: ConnectionGater
}

/** Maximum connections one node keeps; bounded memory per node (see reliability notes). */
export const MAX_CONNECTIONS = 300
/**
 * Ping streams per connection, each way. libp2p's connection monitor pings
 * every connection every 10 s and kad-dht pings new contacts; with the ping
 * service's default of one outbound stream, the two collided, the monitor's
 * ping failed and it aborted the whole connection — constant reconnects, each
 * re-publishing adverts (scripts/bench/discovery.ts).
 */
export const PING_STREAM_LIMIT = 4

export async function createP2P(init: P2PInit): Promise<RentahalLibp2p> {
  const host = init.host ?? '127.0.0.1'
  const port = init.port ?? 0
  const wsPort = port === 0 ? 0 : port + 1
  const family = host.includes(':') ? 'ip6' : 'ip4'
  const listen =
    init.transport === 'memory'
      ? [`/memory/${init.memoryName ?? crypto.randomUUID()}`]
      : [`/${family}/${host}/tcp/${port}`, `/${family}/${host}/tcp/${wsPort}/ws`]
  const peerDiscovery = []
  if (init.mdns === true) {
    // Loaded only when asked for: by default a node never announces itself on the LAN.
    const { mdns } = await import('@libp2p/mdns')
    peerDiscovery.push(mdns())
  }
  return createLibp2p({
    privateKey: init.privateKey,
    start: false,
    logger: quietLogger(),
    addresses: { listen, announce: init.announce ?? [] },
    transports: init.transport === 'memory' ? [memory()] : [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 1024, maxOutboundStreams: 1024 })],
    connectionManager: { maxConnections: MAX_CONNECTIONS },
    connectionGater: init.connectionGater,
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping({ maxInboundStreams: PING_STREAM_LIMIT, maxOutboundStreams: PING_STREAM_LIMIT }),
      dht: kadDHT({
        // Our own DHT: never joins the public IPFS network.
        protocol: dhtProtocol(init.federationId),
        // Without this a node on loopback or a LAN stays a client forever.
        clientMode: false,
        // The default mapper drops private addresses, which leaves the routing
        // table empty on loopback/LAN; memory addresses are neither kind.
        peerInfoMapper: init.transport === 'memory' ? passthroughMapper : removePublicAddressesMapper,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // Adverts are small; anything bigger is hostile.
        maxInboundDataLength: 1024 * 1024,
        allowedTopics: [advertTopic(init.federationId)],
        scoreParams: createPeerScoreParams({
          // Many honest nodes share one IP on loopback and small LANs.
          IPColocationFactorWeight: 0,
          topics: {
            [advertTopic(init.federationId)]: createTopicScoreParams({
              topicWeight: 1,
              // Time in mesh is counted in ms: one point per 10 s, at most 3.
              timeInMeshQuantum: 10_000,
              timeInMeshCap: 3,
              timeInMeshWeight: 1,
              firstMessageDeliveriesCap: 5,
              // Adverts are rare, so a quiet mesh peer is not a bad one: no delivery-deficit penalties.
              meshMessageDeliveriesWeight: 0,
              meshFailurePenaltyWeight: 0,
              // An invalid advert (bad schema, size, signer, replay) costs its sender dearly.
              invalidMessageDeliveriesWeight: -20,
              invalidMessageDeliveriesDecay: 0.5
            })
          }
        })
      })
    }
  })
}
