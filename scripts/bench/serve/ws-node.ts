// Child process for the /ws benchmarks: a node with its HTTP gateway on a
// free loopback port, an instant chat worker, and gateway limits raised so
// that the load generator is not rate-limited. Prints `READY {"url":…}` and
// stops when its stdin closes.
//
//   node --import tsx scripts/bench/serve/ws-node.ts [--sysop]
import { benchNode, instantWorker } from '../lib.js'
import { childReady } from './child.js'

const node = await benchNode({
  http: true,
  transport: 'memory',
  workers: [instantWorker(256)],
  configure: (config) => {
    // Without --sysop nobody becomes sysop (the first loopback user would).
    config.firstLoopbackUserIsSysop = process.argv.includes('--sysop')
  }
})
// Server side of the fan-out: how long one queue_update broadcast takes to hand the frame to every socket.
const hub = node.gateway.hub
const broadcast = hub.broadcast.bind(hub)
hub.broadcast = (frame, filter, droppable) => {
  const started = performance.now()
  broadcast(frame, filter, droppable)
  if ((frame as { type?: string }).type === 'queue_update' && hub.size > 1) {
    console.log(`EVENT ${JSON.stringify({ broadcastMs: performance.now() - started, clients: hub.size })}`)
  }
}
childReady({ url: node.httpUrl }, () => node.cleanup())
