// Child process for the memory benchmark: `--count N` libp2p peers with the
// node's own protocol stack (createP2P: TCP, Noise, yamux, identify, ping,
// kad-dht, gossipsub subscribed to the federation's advert topic), listening
// on loopback. They do not dial anyone: the node under test dials them (as
// bootstrap peers). Prints `READY {"addrs":[…],"rss":…}` and stops when its
// stdin closes.
//
//   node --import tsx scripts/bench/serve/peers.ts --count 100
import '../../../node/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { DEFAULT_FEDERATION_ID } from '../../../node/config/index.js'
import { createP2P, type RentahalLibp2p } from '../../../node/p2p/index.js'
import { advertTopic } from '../../../protocol/index.js'
import { childReady } from './child.js'

const i = process.argv.indexOf('--count')
const COUNT = Number(i >= 0 ? process.argv[i + 1] : 10)
const peers: RentahalLibp2p[] = []
for (let n = 0; n < COUNT; n++) {
  const peer = await createP2P({
    privateKey: await generateKeyPair('Ed25519'),
    federationId: DEFAULT_FEDERATION_ID,
    transport: 'tcp',
    host: '127.0.0.1',
    port: 0
  })
  await peer.start()
  peer.services.pubsub.subscribe(advertTopic(DEFAULT_FEDERATION_ID))
  peers.push(peer)
}
const addrs = peers.map((p) =>
  (p.getMultiaddrs().find((m) => !m.toString().includes('/ws')) as NonNullable<ReturnType<typeof p.getMultiaddrs>[number]>).toString()
)
childReady({ addrs, rss: process.memoryUsage().rss }, async () => {
  await Promise.all(peers.map((p) => p.stop()))
})
