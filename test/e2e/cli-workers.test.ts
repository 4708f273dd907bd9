import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { WorkerInfo } from '../../cli/commands/workers.js'
import { NodeProcess, runCli } from '../helpers/cli.js'
import { closedPort, TestHttpServer } from '../helpers/model-servers.js'
import { STORIES_GGUF } from '../helpers/models.js'
import { TempDirs } from '../helpers/temp.js'
import { WsClient } from '../helpers/ws-client.js'

const PORTS_ZERO = ['--http-port', '0', '--p2p-port', '0', '--no-autodetect']

/** Poll a process's output until it matches (bounded). */
async function waitForOutput(proc: NodeProcess, pattern: RegExp, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (pattern.test(proc.stdout) || pattern.test(proc.stderr)) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}:\n${proc.stdout}\n${proc.stderr}`)
}

describe('rentahal-node start --model / workers (real processes)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  const procs: NodeProcess[] = []
  const clients: WsClient[] = []
  let files: TestHttpServer | undefined

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await Promise.all(procs.splice(0).map((p) => p.stop()))
    await files?.stop()
    files = undefined
    await temp.cleanup()
  })

  it('downloads a GGUF named by URL once, serves chat with it in process, and lists its workers', async () => {
    const gguf = await readFile(STORIES_GGUF)
    files = await new TestHttpServer((req, res) => {
      if (req.path !== '/models/stories260K.gguf') return files?.json(res, 404, { error: 'no such file' })
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': gguf.length })
      res.end(gguf)
    }).start()
    const dataDir = await temp.make()
    const args = ['--data-dir', dataDir, ...PORTS_ZERO, '--model', `${files.url}/models/stories260K.gguf`]
    const node = await NodeProcess.start(args)
    procs.push(node)
    assert.match(node.stderr, /downloaded stories260K\.gguf \(1\.2 MB\)/)
    assert.ok(existsSync(join(dataDir, 'models', 'stories260K.gguf')))
    assert.match(node.stdout, /\$CHAT chat: chat@stories260K\.gguf \(llama-cpp, capacity 1\)/)
    assert.match(node.stdout, /\$VISION vision: ocr \(ocr, capacity 1\)/)
    await waitForOutput(node, /model \S+stories260K\.gguf loaded in/, 'the model to load')

    const client = await WsClient.connect(node.wsUrl)
    clients.push(client)
    await client.nextOfType('huggingface_update')
    client.send({ type: 'submit_query', query: { prompt: 'Once upon a time', query_type: 'chat', model_type: 'worker_node', model_name: '' } })
    const result = await client.nextOfType('query_result', 30_000)
    assert.equal(result.result_type, 'text')
    assert.ok((result.result as string).trim().length > 20, `answer: ${result.result}`)

    const table = await runCli(['workers', '--api', node.httpUrl])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^NAME\s+TYPE\s+KIND\s+WHERE\s+MODELS\s+HEALTH\s+BUSY\s+ORIGIN$/m)
    assert.match(table.stdout, /^chat@stories260K\.gguf\s+chat\s+llama-cpp\s+\S+stories260K\.gguf\s+-\s+100\s+0\/1\s+cli$/m)
    assert.match(table.stdout, /^ocr\s+vision\s+ocr\s+in process\s+tesseract-eng\s+100\s+0\/1\s+builtin$/m)
    const json = await runCli(['workers', '--json', '--api', node.httpUrl])
    const workers = JSON.parse(json.stdout) as WorkerInfo[]
    assert.deepEqual(
      workers.map((w) => [w.name, w.kind, w.type, w.origin]),
      [
        ['chat@stories260K.gguf', 'llama-cpp', 'chat', 'cli'],
        ['ocr', 'ocr', 'vision', 'builtin']
      ]
    )
    assert.equal(await node.stop(), 0)

    // Second start: the file is already there, nothing is downloaded.
    await files.stop()
    const again = await NodeProcess.start(args)
    procs.push(again)
    assert.doesNotMatch(again.stderr, /download/)
    assert.match(again.stdout, /chat@stories260K\.gguf \(llama-cpp/)
  })

  it('says so and starts anyway when the model cannot be fetched or found; --no-ocr leaves vision empty', async () => {
    const dataDir = await temp.make()
    const url = `http://127.0.0.1:${await closedPort()}/offline.gguf`
    const node = await NodeProcess.start(['--data-dir', dataDir, ...PORTS_ZERO, '--no-ocr', '--model', url])
    procs.push(node)
    assert.ok(node.stderr.includes(`cannot download ${url} (ECONNREFUSED)`), node.stderr)
    assert.match(node.stderr, /Starting without the in-process model/)
    assert.match(node.stdout, /\$CHAT chat: no local workers/)
    assert.match(node.stdout, /\$VISION vision: no local workers/)
    assert.ok(!existsSync(join(dataDir, 'models', 'offline.gguf.part')))
    await node.stop()

    const missing = await NodeProcess.start(['--data-dir', dataDir, ...PORTS_ZERO, '--model', join(dataDir, 'nope.gguf')])
    procs.push(missing)
    assert.match(missing.stderr, /model file \S+nope\.gguf not found; starting without the in-process model/)
  })

  it('workers: a clear error when no node answers', async () => {
    const api = `http://127.0.0.1:${await closedPort()}`
    const out = await runCli(['workers', '--api', api])
    assert.equal(out.code, 1)
    assert.ok(out.stderr.includes(`no rentahal-node answers at ${api} (ECONNREFUSED)`), out.stderr)
  })
})
