import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { WebSocket } from 'ws'
import { CliError, DEFAULT_API } from '../api-client.js'

interface QueryOptions {
  api: string
  type: string
  model?: string
  image?: string
  out?: string
}

/** `rentahal-node query "prompt"`: ask the federation through a node, streaming the answer. */
export function registerQuery(program: Command, fail: (err: unknown) => never): void {
  program
    .command('query <prompt>')
    .description('send a query through a node and print the answer as it streams, with the peer that served it')
    .option('--type <type>', 'query type: chat, vision, imagine, speech', 'chat')
    .option('--model <name>', 'pin a model')
    .option('--image <file>', 'image for a vision query')
    .option('--out <file>', 'where to write an image or audio answer')
    .option('--api <url>', 'HTTP API of the node to ask', DEFAULT_API)
    .action(async (prompt: string, opts: QueryOptions) => {
      try {
        await runQuery(prompt, opts)
      } catch (err) {
        fail(err)
      }
    })
}

async function runQuery(prompt: string, opts: QueryOptions): Promise<void> {
  const image = opts.image === undefined ? undefined : (await readFile(opts.image)).toString('base64')
  const url = new URL('/ws', opts.api)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', (err) => reject(new CliError(`no rentahal-node answers at ${opts.api} (${(err as NodeJS.ErrnoException).code ?? err.message})`)))
  })
  const started = performance.now()
  let streamed = false
  let servedBy = ''
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('close', () => reject(new CliError('the node closed the connection before answering')))
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>
        switch (frame.type) {
          case 'huggingface_update':
            // Handshake done: send the query.
            socket.send(
              JSON.stringify({
                type: 'submit_query',
                stream: true,
                query: { prompt, query_type: opts.type, model_type: 'worker_node', model_name: opts.model ?? '', image }
              })
            )
            break
          case 'query_started': {
            const s = frame.served_by as { peerId?: string; worker: string; realm: string }
            servedBy = `${s.peerId === undefined ? 'this node' : `peer ${s.peerId}`}, worker ${s.worker} (${s.realm})`
            break
          }
          case 'query_chunk':
            streamed = true
            process.stdout.write(String(frame.text))
            break
          case 'query_result':
            void finish(frame, streamed, opts).then(() => {
              const seconds = (performance.now() - started) / 1000
              console.error(
                `\n— served by ${servedBy || 'unknown'}; ${Number(frame.processing_time).toFixed(2)}s, cost $${Number(frame.cost).toFixed(4)} (${seconds.toFixed(2)}s round trip)`
              )
              resolve()
            }, reject)
            break
          case 'error':
            reject(new CliError(String(frame.message)))
            break
        }
      })
    })
  } finally {
    socket.close()
  }
}

async function finish(frame: Record<string, unknown>, streamed: boolean, opts: QueryOptions): Promise<void> {
  if (frame.result_type === 'text') {
    if (!streamed) process.stdout.write(String(frame.result))
    process.stdout.write('\n')
    return
  }
  const bytes = Buffer.from(String(frame.result), 'base64')
  const out = opts.out ?? (frame.result_type === 'image' ? 'answer.png' : 'answer.wav')
  await writeFile(out, bytes)
  console.log(`${frame.result_type} written to ${out} (${bytes.byteLength} bytes)`)
}
