// Child process for the /ws baselines: a bare `ws` server on a free loopback
// port that echoes every message, except `{"type":"broadcast",…}`, which it
// sends as a `queue_update` frame to every connected client the way the
// node's hub does (one JSON string, `send` per socket). Prints
// `READY {"url":…}` and stops when its stdin closes.
import { WebSocketServer } from 'ws'
import { childReady } from './child.js'

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
await new Promise((resolve) => server.once('listening', resolve))
let depth = 0
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    if (!isBinary && data.toString().startsWith('{"type":"broadcast"')) {
      const started = performance.now()
      const text = JSON.stringify({ type: 'queue_update', depth: ++depth, total: 1 })
      for (const client of server.clients) client.send(text)
      // Server side of the fan-out: every frame handed to its socket.
      console.log(`EVENT ${JSON.stringify({ broadcastMs: performance.now() - started, clients: server.clients.size })}`)
      return
    }
    socket.send(data, { binary: isBinary })
  })
})
const address = server.address()
if (address === null || typeof address === 'string') throw new Error('the echo server has no TCP address')
childReady({ url: `http://127.0.0.1:${address.port}` }, async () => {
  for (const client of server.clients) client.terminate()
  await new Promise((resolve) => server.close(resolve))
})
