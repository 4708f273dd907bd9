import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeProcess, runCli } from '../helpers/cli.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { TempDirs } from '../helpers/temp.js'
import { type Frame, WsClient } from '../helpers/ws-client.js'

interface AdminRealm {
  name: string
  primary_query_type: string
  config: { max_queue_size: number; load_balancing: string }
}

describe('rentahal-node admin commands (real processes)', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  let proc: NodeProcess | undefined
  let worker: LegacyTestWorker | undefined
  const clients: WsClient[] = []

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await proc?.stop()
    proc = undefined
    await worker?.stop()
    worker = undefined
    await temp.cleanup()
  })

  it('prints the admin token and manages realms and workers of a running node with it', async () => {
    worker = await new LegacyTestWorker({ answer: () => 'from gpu' }).start()
    const dataDir = await temp.make()
    proc = await NodeProcess.start(['--data-dir', dataDir, '--http-port', '0', '--p2p-port', '0'])
    const api = ['--api', proc.httpUrl, '--data-dir', dataDir]

    const printed = await runCli(['admin-token', '--data-dir', dataDir])
    assert.equal(printed.code, 0, printed.stderr)
    const token = printed.stdout.trim()
    assert.equal(token, (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim())

    const realms = async (): Promise<AdminRealm[]> => {
      const res = await fetch(`${proc?.httpUrl}/api/admin/realms`, { headers: { authorization: `Bearer ${token}` } })
      return ((await res.json()) as { realms: AdminRealm[] }).realms
    }
    const ok = async (args: string[]): Promise<string> => {
      const run = await runCli(args)
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}\nnode (exit ${proc?.child.exitCode}): ${proc?.stderr}`)
      return run.stdout
    }

    assert.match(await ok(['realms', 'delete', '$SPEECH', ...api]), /deleted realm \$SPEECH/)
    assert.match(await ok(['realms', 'create', '$VOICE', '--type', 'speech', '--max-queue-size', '7', ...api]), /created realm \$VOICE \(speech\)/)
    await ok(['realms', 'update', '$VOICE', '--load-balancing', 'least_busy', ...api])
    const voice = (await realms()).find((r) => r.name === '$VOICE')
    assert.deepEqual([voice?.primary_query_type, voice?.config.max_queue_size, voice?.config.load_balancing], ['speech', 7, 'least_busy'])

    assert.match(await ok(['workers', 'add', `chat=127.0.0.1:${worker.port},name=gpu,capacity=2`, ...api]), /added worker gpu \(chat/)
    const answer = await fetch(`${proc.httpUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', query_type: 'chat', model_type: 'worker_node', model_name: '' })
    })
    assert.equal(await answer.json(), 'from gpu')
    await ok(['workers', 'remove', 'gpu', ...api])

    // Failures are one clear line and exit 1.
    const wrong = await runCli(['realms', 'delete', '$VOICE', '--api', proc.httpUrl, '--token', 'f'.repeat(64)])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /403 Wrong admin token/)
    const clash = await runCli(['realms', 'create', '$TALK', '--type', 'chat', ...api])
    assert.equal(clash.code, 1)
    assert.match(clash.stderr, /409 chat is already the primary type of \$CHAT/)
    const noToken = await runCli(['workers', 'remove', 'x', '--api', proc.httpUrl, '--data-dir', await temp.make()])
    assert.equal(noToken.code, 1)
    assert.match(noToken.stderr, /no admin token in .*: start the node once with this data dir/)
    const noNode = await runCli(['admin-token', '--data-dir', await temp.make()])
    assert.equal(noNode.code, 1)

    // A browser presenting the printed token becomes sysop.
    const ws = await WsClient.connect(proc.wsUrl)
    clients.push(ws)
    await ws.nextOfType('huggingface_update')
    ws.send({ type: 'sysop_login', token })
    await ws.next((f) => f.type === 'user_info' && (f.data as Frame).is_sysop === true)
  })
})
