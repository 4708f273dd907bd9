import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { lpStream } from '@libp2p/utils'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { NodeConfig, WorkerConfig } from '../../../node/config/index.js'
import type { NodeInit, RentahalNode } from '../../../node/index.js'
import { WorkerHttpError, type WorkerRequest } from '../../../node/workers/index.js'
import { QUERY_PROTOCOL } from '../../../protocol/index.js'
import { ErrorCode, QueryRequest, QueryResponse, ResponseKind } from '../../../protocol/pb/query.js'
import { LegacyTestWorker } from '../../helpers/legacy-worker.js'
import { connect, converge, startNetworkNode, waitFor } from '../../helpers/network.js'
import { legacyWorker } from '../../helpers/node.js'
import { echoScript, type Script, ScriptedAdapter, waitOrAbort } from '../../helpers/scripted-adapter.js'
import { TempDirs } from '../../helpers/temp.js'

const chat = (prompt: string, over: Partial<WorkerRequest> = {}): WorkerRequest => ({
  queryType: 'chat',
  prompt,
  modelType: 'worker_node',
  modelName: '',
  ...over
})
const scripted = (name: string, capacity = 1): WorkerConfig => ({ name, kind: 'legacy', type: 'chat', url: `http://127.0.0.1:9/${name}`, models: [], capacity })

describe('peer-to-peer query routing', function () {
  this.timeout(120_000)
  const temp = new TempDirs()
  let nodes: RentahalNode[] = []
  const extra: Libp2p[] = []
  const workers: LegacyTestWorker[] = []

  afterEach(async () => {
    await Promise.all(extra.splice(0).map((n) => n.stop()))
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)))
    nodes = []
    await Promise.all(workers.splice(0).map((w) => w.stop()))
    await temp.cleanup()
  })

  /** A node whose workers all run `script`. */
  const scriptedNode = async (
    script: Script | undefined,
    workerConfigs: WorkerConfig[] = [],
    options: { init?: Partial<NodeInit>; configure?: (config: NodeConfig) => void } = {}
  ): Promise<RentahalNode> => {
    const node = await startNetworkNode(temp, {
      workers: workerConfigs,
      configure: options.configure,
      init: { createAdapter: (c: WorkerConfig) => new ScriptedAdapter(c, script ?? echoScript()), ...options.init }
    })
    nodes.push(node)
    return node
  }

  it('routes a chat query from a node without workers to a peer’s worker, streaming chunks in order', async () => {
    const a = await scriptedNode(undefined)
    const b = await scriptedNode(undefined)
    const c = await scriptedNode(echoScript(8), [scripted('c-worker')])
    await connect(a, b)
    await connect(b, c)
    await converge([a, b, c])
    const chunks: string[] = []
    const served: string[] = []
    const out = await a.federation.router.run(chat('hello federation'), {
      onChunk: (t) => chunks.push(t),
      onServing: (s) => served.push(`${s.peerId}/${s.worker}`)
    })
    assert.deepEqual(out.result, { type: 'text', text: 'echo: hello federation' })
    assert.ok(chunks.length >= 4, `${chunks.length} chunks`)
    assert.equal(chunks.join(''), 'echo: hello federation')
    assert.equal(out.servedBy.peerId, c.peerId)
    assert.equal(out.servedBy.worker, 'c-worker')
    assert.deepEqual(served, [`${c.peerId}/c-worker`])
    const aChat = a.realms.forType('chat').metrics
    assert.equal(aChat.processedQueries, 1)
    assert.equal(aChat.crossFederationQueries, 1)
    assert.equal(aChat.failedRoutes, 0)
    assert.equal(c.realms.forType('chat').metrics.processedQueries, 1)
    assert.equal(c.realms.forType('chat').metrics.crossFederationQueries, 0)
  })

  it('fails over to another peer when the serving peer dies mid-query or its worker fails: 50 runs, none lost or duplicated', async () => {
    const seen = new Map<string, number>()
    let mode = 0
    let a: RentahalNode | undefined
    // The first peer a query reaches fails it — alternately by dropping the connection mid-query and by a worker 500.
    const failFirst = (self: () => RentahalNode): Script => {
      return async (request, options) => {
        const n = (seen.get(request.prompt) ?? 0) + 1
        seen.set(request.prompt, n)
        if (n === 1) {
          if (mode++ % 2 === 0) {
            for (const conn of self().libp2p.getConnections((a as RentahalNode).libp2p.peerId)) conn.abort(new Error('peer died'))
            await waitOrAbort(60_000, options.signal)
          }
          throw new WorkerHttpError(500, 'worker failure', 'scripted')
        }
        return { type: 'text', text: `answer to ${request.prompt}` }
      }
    }
    let c1: RentahalNode | undefined
    let c2: RentahalNode | undefined
    a = await scriptedNode(undefined)
    c1 = await scriptedNode(
      failFirst(() => c1 as RentahalNode),
      [scripted('c1')]
    )
    c2 = await scriptedNode(
      failFirst(() => c2 as RentahalNode),
      [scripted('c2')]
    )
    await connect(a, c1)
    await connect(a, c2)
    await connect(c1, c2)
    await converge([a, c1, c2])
    const results: string[] = []
    for (let i = 0; i < 50; i++) {
      const out = await a.federation.router.run(chat(`q${i}`), { deadlineMs: 20_000 })
      assert.equal(out.result.type, 'text')
      results.push(out.result.type === 'text' ? out.result.text : '')
    }
    assert.deepEqual(
      results,
      Array.from({ length: 50 }, (_, i) => `answer to q${i}`)
    )
    assert.equal(a.realms.forType('chat').metrics.failedRoutes, 50)
    assert.equal(a.realms.forType('chat').metrics.processedQueries, 50)

    // And a real stop of the serving node in the middle of a query.
    let reached: (() => void) | undefined
    const reachedPromise = new Promise<void>((r) => {
      reached = r
    })
    const slow = await scriptedNode(
      async (_r, options) => {
        reached?.()
        await waitOrAbort(60_000, options.signal)
        return { type: 'text', text: 'never' }
      },
      [scripted('slow', 4)]
    )
    await connect(a, slow)
    await converge([a, slow])
    // Make the slow node the best candidate: c1 and c2 have recent failures.
    const pending = a.federation.router.run(chat('survive a stop'), { deadlineMs: 20_000 })
    await reachedPromise
    await slow.stop()
    const out = await pending
    assert.equal(out.result.type === 'text' && out.result.text, 'answer to survive a stop')
  })

  it('fails at once with a typed error when no peer serves the type', async () => {
    const a = await scriptedNode(undefined)
    const c = await scriptedNode(undefined, [scripted('c')])
    await connect(a, c)
    await converge([a, c])
    const started = performance.now()
    await assert.rejects(a.federation.router.run({ queryType: 'imagine', prompt: 'a cat', modelType: 'worker_node', modelName: '' }), (err: Error) => {
      assert.equal(err.name, 'NoWorkerAvailableError')
      assert.equal(err.message, 'No worker in the federation serves imagine')
      return true
    })
    assert.ok(performance.now() - started < 500)
  })

  it('runs 200 concurrent queries from A to C over one connection', async () => {
    const a = await scriptedNode(undefined)
    const c = await scriptedNode(
      async (request) => {
        await new Promise((r) => setTimeout(r, 5))
        return { type: 'text', text: `ok ${request.prompt}` }
      },
      [scripted('wide', 256)],
      { configure: (config: NodeConfig) => ((config.realms[0] as NodeConfig['realms'][0]).maxQueueSize = 300) }
    )
    await connect(a, c)
    await converge([a, c])
    const outs = await Promise.all(Array.from({ length: 200 }, (_, i) => a.federation.router.run(chat(`${i}`))))
    assert.deepEqual(
      outs.map((o) => (o.result.type === 'text' ? o.result.text : '')),
      Array.from({ length: 200 }, (_, i) => `ok ${i}`)
    )
    assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 1)
    assert.equal(a.realms.forType('chat').metrics.failedRoutes, 0)
  })

  it('gives a typed error when the deadline passes, and aborts the worker call when the user goes away', async () => {
    const worker = await new LegacyTestWorker({ delayMs: 60_000 }).start()
    workers.push(worker)
    const a = await startNetworkNode(temp)
    const c = await startNetworkNode(temp, { workers: [legacyWorker(worker.url, { capacity: 4 })] })
    nodes.push(a, c)
    await connect(a, c)
    await converge([a, c])
    // Long enough for the query to reach the worker even on a busy machine; the worker never answers.
    const late = a.federation.router.run(chat('too slow'), { deadlineMs: 3_000 })
    await worker.waitForCalls(1)
    await assert.rejects(late, { name: 'QueryDeadlineError' })
    await waitFor(() => worker.calls[0]?.aborted === true, 'the timed-out worker call to be aborted on the serving peer')

    const user = new AbortController()
    const pending = a.federation.router.run(chat('user leaves'), { signal: user.signal })
    await worker.waitForCalls(2)
    user.abort()
    await assert.rejects(pending, { name: 'QueryAbortedError' })
    await waitFor(() => worker.calls[1]?.aborted === true, 'the worker call to be aborted on the serving peer')
    await waitFor(() => c.federation.queryServer.inFlight === 0 && c.realms.forType('chat').depth === 0, 'the serving peer to free the query')
  })

  it('resets hostile streams, frees their resources and keeps serving others', async () => {
    const c = await scriptedNode(undefined, [scripted('c')], { init: { federation: { timers: false, queryRequestTimeoutMs: 300 } } })
    const rogue = await createLibp2p({
      addresses: { listen: [`/memory/${crypto.randomUUID()}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    extra.push(rogue)
    const target = c.libp2p.getMultiaddrs()[0] as never
    const open = async () => rogue.dialProtocol(target, QUERY_PROTOCOL)
    const readAll = async (s: Awaited<ReturnType<typeof open>>): Promise<string> => {
      try {
        for await (const _ of s) {
          // drain
        }
        return s.status
      } catch (err) {
        return `error: ${(err as Error).message}`
      }
    }

    // Malformed protobuf.
    const s1 = await open()
    await lpStream(s1).write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]))
    // A 2 GB length prefix (rejected before anything is allocated).
    const s2 = await open()
    s2.send(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x08]))
    // Half a frame, then nothing.
    const s3 = await open()
    s3.send(new Uint8Array([0x64, 1, 2, 3]))
    await Promise.all([readAll(s1), readAll(s2), readAll(s3)])
    await waitFor(() => c.federation.queryServer.badStreams === 3, 'three bad streams reset')

    // An unknown protocol version gets a typed, non-retryable error.
    const s4 = await open()
    const lp = lpStream(s4)
    await lp.write(
      QueryRequest.encode({
        version: 99,
        id: 'x',
        queryType: 'chat',
        modelType: '',
        modelName: '',
        prompt: 'hi',
        image: new Uint8Array(0),
        audio: new Uint8Array(0),
        deadlineMs: 1000,
        hopCount: 1,
        stream: false
      })
    )
    const frame = QueryResponse.decode(await lp.read())
    assert.equal(frame.kind, ResponseKind.ERROR)
    assert.equal(frame.error?.code, ErrorCode.UNSUPPORTED_VERSION)
    assert.equal(frame.error?.retryable, false)

    // Nothing leaked, and an honest query still works.
    assert.equal(c.federation.queryServer.inFlight, 0)
    const a = await scriptedNode(undefined)
    await connect(a, c)
    await converge([a, c])
    const out = await a.federation.router.run(chat('still serving'))
    assert.deepEqual(out.result, { type: 'text', text: 'echo: still serving' })
  })
})
