import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { legacyCost } from '../../protocol/index.js'
import { NodeProcess, runCli } from '../helpers/cli.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { TempDirs } from '../helpers/temp.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

const PORTS_ZERO = ['--http-port', '0', '--p2p-port', '0']

async function handshake(client: WsClient): Promise<Frame[]> {
  const frames: Frame[] = []
  for (;;) {
    const f = await client.next()
    frames.push(f)
    if (f.type === 'huggingface_update') return frames
  }
}

describe('rentahal-node start (real process)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  const procs: NodeProcess[] = []
  const clients: WsClient[] = []
  let worker: LegacyTestWorker | undefined

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await Promise.all(procs.splice(0).map((p) => p.stop()))
    await worker?.stop()
    worker = undefined
    await temp.cleanup()
  })

  const start = async (args: string[]): Promise<NodeProcess> => {
    const p = await NodeProcess.start(args)
    procs.push(p)
    return p
  }

  it('serves a legacy /ws chat round trip and keeps identity, user and history across a restart', async () => {
    worker = await new LegacyTestWorker({ delayMs: 10 }).start()
    const dataDir = await temp.make()
    const args = ['--data-dir', dataDir, ...PORTS_ZERO, '--worker', `chat=127.0.0.1:${worker.port}`]
    const first = await start(args)
    assert.match(first.peerId, /^12D3Koo/)
    assert.match(first.stdout, /rentahal-node \d+\.\d+\.\d+/)
    assert.match(first.stdout, /\$CHAT chat: chat@127\.0\.0\.1:\d+ \(legacy/)
    assert.ok(first.addrs.some((a) => a.includes('/tcp/') && !a.includes('/ws')))
    assert.ok(first.addrs.some((a) => a.includes('/ws/')))

    const api = (await (await fetch(`${first.httpUrl}/api/node`)).json()) as { peerId: string; version: string; realms: unknown[] }
    assert.equal(api.peerId, first.peerId)
    assert.equal(api.realms.length, 4)
    assert.equal((await fetch(`${first.httpUrl}/healthz`)).status, 200)

    const client = await WsClient.connect(first.wsUrl)
    clients.push(client)
    assert.equal((await client.next()).type, 'set_cookie')
    const guid = client.frames[0]?.value as string
    assert.equal((await client.next()).type, 'user_info')
    client.send({ type: 'submit_query', query: { prompt: 'ping over the wire', query_type: 'chat', model_type: 'worker_node', model_name: 'any' } })
    const result = await client.nextOfType('query_result')
    assert.equal(result.result, 'echo: ping over the wire')
    assert.ok((result.processing_time as number) > 0)
    assert.ok(Math.abs((result.cost as number) - legacyCost(result.processing_time as number)) < 1e-12)

    const second = await WsClient.connect(first.wsUrl, guid)
    clients.push(second)
    const frames = await handshake(second)
    assert.equal(frames[0]?.type, 'user_info')
    assert.equal((frames[0] as Frame).data && ((frames[0] as Frame).data as Frame).guid, guid)
    const previous = frames.find((f) => f.type === 'previous_queries')?.data as Array<Record<string, unknown>>
    assert.equal(previous[0]?.prompt, 'ping over the wire')
    for (const c of clients.splice(0)) c.close()

    // Graceful stop, then the same data dir again.
    assert.equal(await first.stop(), 0)
    assert.match(first.stdout, /stopped/)
    const restarted = await start(args)
    assert.equal(restarted.peerId, first.peerId)
    const back = await WsClient.connect(restarted.wsUrl, guid)
    clients.push(back)
    const frames2 = await handshake(back)
    const info = frames2[0]?.data as Record<string, unknown>
    assert.equal(info.guid, guid)
    assert.equal(info.query_count, 1)
    const previous2 = frames2.find((f) => f.type === 'previous_queries')?.data as Array<Record<string, unknown>>
    assert.equal(previous2.length, 1)
    assert.equal(previous2[0]?.prompt, 'ping over the wire')
  })

  it('prints --help and --version', async () => {
    const help = await runCli(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /start \[options\]/)
    const startHelp = await runCli(['start', '--help'])
    for (const flag of ['--data-dir', '--config', '--http-host', '--http-port', '--p2p-port', '--bootstrap', '--worker', '--no-autodetect']) {
      assert.ok(startHelp.stdout.includes(flag), flag)
    }
    const version = await runCli(['--version'])
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/)
  })

  describe('fails with one clear line and a non-zero exit', () => {
    const assertOneLine = (run: { code: number | null; stderr: string }, expected: RegExp): void => {
      assert.notEqual(run.code, 0)
      const lines = run.stderr.trim().split('\n')
      assert.equal(lines.length, 1, run.stderr)
      assert.match(lines[0] as string, expected)
      assert.doesNotMatch(run.stderr, /\n\s+at /)
    }

    it('on an unknown flag or a bad port', async () => {
      assertOneLine(await runCli(['start', '--bogus']), /unknown option '--bogus'/)
      assertOneLine(await runCli(['start', '--http-port', 'abc']), /--http-port.*must be a port number/)
      assertOneLine(await runCli(['start', '--worker', 'chat']), /--worker chat: expected <query_type>=<url>/)
    })

    it('on a busy HTTP port', async () => {
      const blocker = createServer().listen(0, '127.0.0.1')
      await new Promise((r) => blocker.once('listening', r))
      const port = (blocker.address() as { port: number }).port
      try {
        const dataDir = await temp.make()
        const run = await runCli(['start', '--data-dir', dataDir, '--http-port', String(port), '--p2p-port', '0'])
        assertOneLine(run, new RegExp(`HTTP 127\\.0\\.0\\.1:${port} is already in use`))
      } finally {
        blocker.close()
      }
    })

    it('on a busy libp2p port', async () => {
      const blocker = createServer().listen(0, '127.0.0.1')
      await new Promise((r) => blocker.once('listening', r))
      const port = (blocker.address() as { port: number }).port
      try {
        const dataDir = await temp.make()
        const run = await runCli(['start', '--data-dir', dataDir, '--http-port', '0', '--p2p-port', String(port)])
        assertOneLine(run, /libp2p port \d+ is already in use/)
      } finally {
        blocker.close()
      }
    })

    it('on a bad realms.yml', async () => {
      const dir = await temp.make()
      const file = join(dir, 'realms.yml')
      await writeFile(file, 'realms:\n  $CHAT:\n    primary_query_type: telepathy\n')
      assertOneLine(
        await runCli(['start', '--config', file, '--data-dir', dir, ...PORTS_ZERO]),
        /realms\.yml: realms\.\$CHAT\.primary_query_type: must be one of chat/
      )
      await writeFile(file, 'realms: [unclosed\n')
      assertOneLine(await runCli(['start', '--config', file, '--data-dir', dir, ...PORTS_ZERO]), /realms\.yml: invalid YAML at line/)
      // ./realms.yml is picked up from the working directory when --config is not given.
      await writeFile(file, 'federation_id: "has spaces"\n')
      assertOneLine(await runCli(['start', '--data-dir', dir, ...PORTS_ZERO], { cwd: dir }), /federation_id: may only hold/)
    })

    it('on an unwritable data dir or one already in use', async () => {
      const dir = await temp.make()
      const file = join(dir, 'a-file')
      await writeFile(file, 'x')
      assertOneLine(await runCli(['start', '--data-dir', join(file, 'sub'), ...PORTS_ZERO]), /data dir .* is not writable \(ENOTDIR\)/)
      const running = await start(['--data-dir', dir, ...PORTS_ZERO])
      assert.ok(running.peerId)
      assertOneLine(await runCli(['start', '--data-dir', dir, ...PORTS_ZERO]), /is in use by another rentahal-node/)
    })
  })
})
