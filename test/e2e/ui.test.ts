import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser, recordWs, screenshot } from '../helpers/browser.js'
import { NodeProcess } from '../helpers/cli.js'
import { LegacyTestWorker } from '../helpers/legacy-worker.js'
import { TempDirs } from '../helpers/temp.js'
import { WsClient } from '../helpers/ws-client.js'

/** What a worker's image bytes are, by their magic numbers. */
function imageFormat(bytes: Buffer): 'PNG' | 'JPEG' | 'unknown' {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'PNG'
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'JPEG'
  return 'unknown'
}

/** A real PNG with known text, rendered by Chromium itself. */
async function renderTextPng(context: BrowserContext, text: string): Promise<Buffer> {
  const page = await context.newPage()
  await page.setContent(`<div id="t" style="display:inline-block;padding:24px;background:#fff;color:#000;font:bold 48px sans-serif">${text}</div>`)
  const png = await page.locator('#t').screenshot({ type: 'png' })
  await page.close()
  return png
}

/** Text of the newest answer card once it is finished (answered or failed). */
async function newestAnswer(page: Page): Promise<{ state: string; body: string; footer: string; failed: boolean }> {
  const card = page.locator('.answer').first()
  await page.locator('.answer.done, .answer.failed').first().waitFor()
  return {
    state: (await card.locator('.state').textContent()) ?? '',
    body: (await card.locator('.body').textContent()) ?? '',
    footer: (await card.locator('footer').textContent()) ?? '',
    failed: await card.evaluate((el) => el.classList.contains('failed'))
  }
}

async function ask(page: Page, prompt: string): Promise<void> {
  await page.locator('#prompt').fill(prompt)
  await page.locator('#prompt').press('Control+Enter')
}

/** A tiny AUTOMATIC1111: `/sdapi/v1/txt2img` answers with the given PNG. */
async function startTestA1111(png: Buffer): Promise<{ url: string; prompts: string[]; server: Server }> {
  const prompts: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/sdapi/v1/txt2img') {
        prompts.push(String((JSON.parse(Buffer.concat(chunks).toString()) as { prompt: string }).prompt))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ images: [png.toString('base64')] }))
      } else if (req.url === '/sdapi/v1/progress') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"progress":0}')
      } else {
        res.writeHead(404).end()
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `127.0.0.1:${(server.address() as AddressInfo).port}`, prompts, server }
}

/**
 * A legacy worker (`POST /predict`, `GET /health`) that holds every answer
 * until the test releases it, so a query can be kept waiting in the queue.
 */
class HeldWorker {
  readonly server: Server
  readonly prompts: string[] = []
  private held: Array<() => void> = []
  private arrivals: Array<() => void> = []

  constructor() {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}')
        return
      }
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const prompt = String((JSON.parse(Buffer.concat(chunks).toString()) as { prompt: string }).prompt)
        this.prompts.push(prompt)
        this.held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: `held answer: ${prompt}` })))
        for (const arrived of this.arrivals.splice(0)) arrived()
      })
    })
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    return this
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Resolves once `n` calls have arrived in total. */
  async calls(n: number): Promise<void> {
    while (this.prompts.length < n) await new Promise<void>((resolve) => this.arrivals.push(resolve))
  }

  /** Answer the oldest held call. */
  releaseOne(): void {
    const answer = this.held.shift()
    assert.ok(answer !== undefined, 'no call is being held')
    answer()
  }
}

describe('browser UI (real node, real Chromium)', function () {
  this.timeout(90_000)
  const temp = new TempDirs()
  const nodes: NodeProcess[] = []
  const workers: LegacyTestWorker[] = []
  const browsers: BrowserContext[] = []
  const servers: Server[] = []
  const clients: WsClient[] = []
  /** Uncaught exceptions in any page: each one fails the test. */
  const pageErrors: string[] = []
  afterEach(async () => {
    const errors = pageErrors.splice(0)
    for (const c of clients.splice(0)) c.close()
    await Promise.all(browsers.splice(0).map((b) => b.close()))
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await Promise.all(workers.splice(0).map((w) => w.stop()))
    for (const s of servers.splice(0)) {
      s.closeAllConnections()
      s.close()
    }
    await temp.cleanup()
    assert.deepEqual(errors, [], 'uncaught errors in the page')
  })

  const worker = async (options: ConstructorParameters<typeof LegacyTestWorker>[0] = {}): Promise<LegacyTestWorker> => {
    const w = await new LegacyTestWorker(options).start()
    workers.push(w)
    return w
  }

  /** A node with only the workers a test names (no auto-detected ones, no built-in OCR unless asked). */
  const startNode = async (flags: string[], dataDir?: string, httpPort = 0, options: { ocr?: boolean } = {}): Promise<NodeProcess> => {
    const dir = dataDir ?? (await temp.make())
    const noOcr = options.ocr === true ? [] : ['--no-ocr']
    const node = await NodeProcess.start(['--data-dir', dir, '--http-port', String(httpPort), '--p2p-port', '0', '--no-autodetect', ...noOcr, ...flags])
    nodes.push(node)
    return node
  }

  const browser = async (options?: Parameters<typeof launchBrowser>[1]): Promise<BrowserContext> => {
    const b = await launchBrowser(temp, options)
    browsers.push(b)
    return b
  }

  /** Open the node's UI and wait until the page says it is connected. */
  const open = async (context: BrowserContext, node: NodeProcess, hash = ''): Promise<{ page: Page; ws: ReturnType<typeof recordWs> }> => {
    const page = context.pages()[0] ?? (await context.newPage())
    const ws = recordWs(page)
    page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message))
    await page.goto(`${node.httpUrl}/${hash}`)
    await page.locator('#conn[data-state="open"]').waitFor()
    return { page, ws }
  }

  it('chat: a typed prompt is answered with streamed text, formatted code, time and cost, and lands in history', async () => {
    const chat = await worker({
      delayMs: 50,
      answer: (body) => `Answer to ${String(body.prompt)} from ${String(body.model_name)}:\n\n\`\`\`js\nconsole.log(6 * 7)\n\`\`\`\n\nThat prints 42.`
    })
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port},model=tiny-llama`])
    const { page, ws } = await open(await browser(), node)

    // The picker lists the model the node's worker serves; the hint says who can answer.
    await page.locator('#model option[value="tiny-llama"]').waitFor({ state: 'attached' })
    await page.locator('#model').selectOption('tiny-llama')
    assert.match((await page.locator('#availability').textContent()) ?? '', /1 worker can answer chat \(1 on this node\)/)

    await ask(page, 'What is 6 times 7?')
    const answer = await newestAnswer(page)
    assert.equal(answer.failed, false, answer.state)
    assert.match(answer.body, /Answer to What is 6 times 7\? from tiny-llama:/)
    assert.match(answer.body, /That prints 42\./)
    assert.equal(await page.locator('.answer .code code').first().textContent(), 'console.log(6 * 7)')
    assert.equal(await page.locator('.answer .code figcaption span').first().textContent(), 'js')
    assert.match(answer.footer, /Time \d+\.\d\d s/)
    assert.match(answer.footer, /Cost \$0\.0\d{3}/)
    assert.match(answer.state, /Answered by chat@127\.0\.0\.1:\d+ \(\$CHAT\) on this node/)

    // Sent with streaming on; the text arrived as query_chunk frames before the final result.
    const submit = ws.sent.find((f) => f.type === 'submit_query')
    assert.ok(submit !== undefined, 'the page sent a submit_query')
    assert.equal(submit.stream, true)
    assert.equal((submit.query as Record<string, unknown>).model_name, 'tiny-llama')
    const firstChunk = ws.order.indexOf('<query_chunk')
    assert.ok(firstChunk >= 0 && firstChunk < ws.order.indexOf('<query_result'), ws.order.join(' '))
    assert.equal(chat.calls[0]?.body.prompt, 'What is 6 times 7?')
    await screenshot(page, 'chat')

    // Me: totals and history follow without a reload.
    await page.locator('nav a[data-view="me"]').click()
    await page.locator('#history .history-item').first().waitFor()
    assert.match((await page.locator('#history').textContent()) ?? '', /What is 6 times 7\?/)
    assert.equal(await page.locator('#t-count').textContent(), '1')

    // Ctrl+L clears the answers.
    await page.locator('nav a[data-view="ask"]').click()
    await page.keyboard.press('Control+l')
    assert.equal(await page.locator('.answer').count(), 0)
  })

  it('chat: a streaming worker’s first words show while the rest is still being generated', async () => {
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const sse = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/health' || req.url?.endsWith('/models'))) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"stream-model","object":"model"}]}')
        return
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end()
        return
      }
      req.resume()
      req.on('end', () => {
        const delta = (content: string): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(delta('The first words '))
        void released.then(() => res.end(`${delta('and the rest.')}data: [DONE]\n\n`))
      })
    })
    servers.push(sse)
    sse.listen(0, '127.0.0.1')
    await once(sse, 'listening')
    const port = (sse.address() as AddressInfo).port
    const node = await startNode(['--worker', `chat=http://127.0.0.1:${port},kind=openai,model=stream-model`])
    const { page } = await open(await browser(), node)
    await ask(page, 'Stream please')
    await page.waitForFunction(() => document.querySelector('.answer .body')?.textContent?.includes('The first words'))
    assert.equal(await page.locator('.answer').first().getAttribute('aria-busy'), 'true')
    release()
    const answer = await newestAnswer(page)
    assert.equal(answer.body, 'The first words and the rest.')
  })

  it('vision: a PNG picked in the page reaches the vision worker and its answer is shown', async () => {
    const context = await browser()
    const png = await renderTextPng(context, 'RENTAHAL 42')
    const received: Buffer[] = []
    const vision = await worker({
      answer: (body) => {
        const image = Buffer.from(String(body.image ?? ''), 'base64')
        received.push(image)
        return `I see a ${imageFormat(image)} image (${image.length} bytes). You asked: ${String(body.prompt)}`
      }
    })
    const node = await startNode(['--worker', `vision=127.0.0.1:${vision.port}`])
    const { page, ws } = await open(context, node)

    await page.locator('label.mode', { hasText: 'Vision' }).click()
    await page.locator('#image-file').setInputFiles({ name: 'sign.png', mimeType: 'image/png', buffer: png })
    await page.locator('#image-preview:not([hidden])').waitFor()
    await page.locator('#prompt').fill('What does the sign say?')
    await page.locator('#send').click()

    const answer = await newestAnswer(page)
    assert.equal(answer.failed, false, answer.state)
    assert.match(answer.body, /^I see a (PNG|JPEG) image \(\d+ bytes\)\. You asked: What does the sign say\?$/)
    // The page uploads in vision_chunk slices; the worker got a real image (re-encoded to JPEG by nodes that do so).
    const firstChunk = ws.sent.find((f) => f.type === 'vision_chunk')
    assert.equal(firstChunk?.chunk_id, 0)
    assert.equal(received.length, 1)
    const got = received[0] as Buffer
    assert.notEqual(imageFormat(got), 'unknown')
    if (imageFormat(got) === 'PNG') assert.ok(got.equals(png), 'the PNG reached the worker unchanged')
    assert.ok(answer.body.includes(`(${got.length} bytes)`))
    await screenshot(page, 'vision')
  })

  it('vision: the built-in OCR worker reads the text of a PNG and the page shows it', async function () {
    this.timeout(180_000)
    const context = await browser()
    const png = await renderTextPng(context, 'RENTAHAL 42')
    const node = await startNode([], undefined, 0, { ocr: true })
    const { page } = await open(context, node)
    await page.locator('label.mode', { hasText: 'Vision' }).click()
    await page.locator('#image-file').setInputFiles({ name: 'sign.png', mimeType: 'image/png', buffer: png })
    await page.locator('#image-preview:not([hidden])').waitFor()
    await page.locator('#send').click()
    await page.locator('.answer.done, .answer.failed').first().waitFor({ timeout: 150_000 })
    const answer = await newestAnswer(page)
    assert.equal(answer.failed, false, answer.state)
    assert.match(answer.body, /RENTAHAL\s*42/)
    await screenshot(page, 'vision-ocr')
  })

  it('speech: a recording from the microphone goes to the node for transcription, and the page tells what happened', async () => {
    const chat = await worker()
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port}`])
    const { page, ws } = await open(await browser({ fakeMicrophone: true }), node)
    await page.locator('label.mode', { hasText: 'Speech' }).click()
    assert.equal(await page.locator('#speak').isChecked(), true, 'speech mode answers aloud')
    await page.locator('#record').click()
    await page.locator('#record[aria-pressed="true"]').waitFor()
    await page.locator('#record').click()
    await page.locator('#record-status', { hasText: /Transcribing|transcribe|Transcription|Heard/ }).waitFor()
    const frame = ws.sent.find((f) => f.type === 'speech_to_text')
    assert.ok(frame !== undefined, 'the page sent speech_to_text')
    const audio = Buffer.from(String(frame.audio), 'base64')
    // Chromium's MediaRecorder writes WebM (EBML magic).
    assert.ok(audio.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), `WebM audio, got ${audio.subarray(0, 4).toString('hex')}`)
    // This node has no speech worker: the page says the recording could not be transcribed.
    await page.locator('#record-status.danger', { hasText: /transcribe|Transcription failed/ }).waitFor()
  })

  it('imagine: the generated image is shown with a download link', async () => {
    const context = await browser()
    const png = await renderTextPng(context, 'a red circle')
    const a1111 = await startTestA1111(png)
    servers.push(a1111.server)
    const node = await startNode(['--worker', `imagine=${a1111.url}`])
    const { page } = await open(context, node)
    await page.locator('label.mode', { hasText: 'Imagine' }).click()
    await ask(page, 'a red circle on white')
    const answer = await newestAnswer(page)
    assert.equal(answer.failed, false, answer.state)
    assert.deepEqual(a1111.prompts, ['a red circle on white'])
    const src = await page.locator('.answer img').first().getAttribute('src')
    assert.equal(src, `data:image/png;base64,${png.toString('base64')}`)
    const link = page.locator('.answer a[download]').first()
    assert.match((await link.getAttribute('download')) ?? '', /^rentahal-\d+\.png$/)
    assert.equal(await link.getAttribute('href'), src)
  })

  it('waiting: a queued query shows its position, an estimated wait, and then who serves it', async () => {
    const held = await new HeldWorker().start()
    servers.push(held.server)
    const node = await startNode(['--worker', `chat=${held.address},name=slow-chat`])
    const { page: first } = await open(await browser(), node)
    const { page: second } = await open(await browser(), node)

    // One finished query gives the node a service time to estimate with.
    await ask(first, 'warm up')
    await held.calls(1)
    held.releaseOne()
    assert.match((await newestAnswer(first)).body, /held answer: warm up/)

    await ask(first, 'first in line')
    await held.calls(2)
    await first.locator('.answer[aria-busy="true"] .state', { hasText: 'Answering: slow-chat ($CHAT) on this node' }).waitFor()
    await ask(second, 'second in line')
    const waiting = second.locator('.answer[aria-busy="true"] .state', { hasText: /^Next in line — estimated wait (about \d+ s|under a second)$/ })
    await waiting.waitFor()
    await screenshot(second, 'waiting')

    held.releaseOne()
    await held.calls(3)
    await second.locator('.answer[aria-busy="true"] .state', { hasText: 'Answering: slow-chat' }).waitFor()
    held.releaseOne()
    await second.locator('.answer.done', { hasText: 'held answer: second in line' }).waitFor()
    await first.locator('.answer.done', { hasText: 'held answer: first in line' }).waitFor()
  })

  it('a query type nobody serves: the page says so before sending, and the failed query explains why', async () => {
    const chat = await worker()
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port}`])
    const { page } = await open(await browser(), node)
    await page.locator('label.mode', { hasText: 'Imagine' }).click()
    await page.waitForFunction(() => /serves imagine/.test(document.getElementById('availability')?.textContent ?? ''))
    assert.match((await page.locator('#availability').getAttribute('class')) ?? '', /\bbad\b/)
    await ask(page, 'a castle')
    const answer = await newestAnswer(page)
    assert.equal(answer.failed, true)
    assert.match(answer.state, /Nobody in the federation can answer imagine queries right now/)
    // The form is free again for the next query.
    assert.equal(await page.locator('#send').isDisabled(), false)
    await screenshot(page, 'nobody-serves')
  })

  it('federation: this node’s realms and workers update without a reload', async () => {
    const chat = await worker()
    const extra = await worker()
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port},name=first-chat`])
    // The first loopback user of a fresh node is sysop; the test takes that seat to add a worker later.
    const sysop = await WsClient.connect(node.wsUrl)
    clients.push(sysop)
    await sysop.nextOfType('huggingface_update')
    const { page } = await open(await browser(), node, '#federation')
    await page.locator('#fed-realms', { hasText: 'first-chat' }).waitFor()
    assert.match((await page.locator('#fed-node').textContent()) ?? '', new RegExp(node.peerId.slice(0, 8)))

    sysop.send({ type: 'add_worker', worker: { name: 'second-vision', address: `127.0.0.1:${extra.port}`, type: 'vision' } })
    // Polled every few seconds: the new worker appears with no reload.
    await page.locator('#fed-realms [data-query-type="vision"]', { hasText: 'second-vision' }).waitFor()
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1)
    await screenshot(page, 'federation')
  })

  it('federation: with two nodes running, the other peer appears in the peer list', async () => {
    const chat = await worker()
    const first = await startNode([])
    const second = await startNode(['--bootstrap', first.addrs[0] as string, '--worker', `chat=127.0.0.1:${chat.port},name=peer-chat`])
    const { page } = await open(await browser(), first, '#federation')
    const row = page.locator('#fed-peers tr', { has: page.locator(`[data-peer-id="${second.peerId}"]`) })
    // The peer's advert names its chat worker; its realm shows up federation-wide, on the other node.
    await row.filter({ hasText: 'chat ×1' }).waitFor()
    assert.match((await row.textContent()) ?? '', /connected/)
    await page.locator('#fed-realms [data-query-type="chat"]', { hasText: 'peer-chat' }).waitFor()
    // The Ask form counts the peer's worker for chat.
    await page.locator('nav a[data-view="ask"]').click()
    await page.locator('#availability', { hasText: '1 on 1 peer' }).waitFor()
    // A question asked here is answered by the peer's worker, and the page says which peer.
    await ask(page, 'hello across the federation')
    const answer = await newestAnswer(page)
    assert.equal(answer.failed, false, answer.state)
    assert.equal(answer.body, 'echo: hello across the federation')
    assert.ok(answer.state.includes(`peer-chat ($CHAT) on peer ${second.peerId.slice(0, 8)}…${second.peerId.slice(-6)}`), answer.state)
    await screenshot(page, 'federation-answer')
    await page.locator('nav a[data-view="federation"]').click()
    await screenshot(page, 'federation-peers')
  })

  it('sysop: the first local user gets the panel, adds a worker, broadcasts and bans; others only see the token form', async () => {
    const chat = await worker()
    const extra = await worker()
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port}`])
    const { page: sysopPage } = await open(await browser(), node, '#sysop')
    await sysopPage.locator('#sysop-panel:not([hidden])').waitFor()
    sysopPage.on('dialog', (d) => void d.accept())

    const { page: userPage } = await open(await browser(), node, '#sysop')
    assert.equal(await userPage.locator('#sysop-panel').isHidden(), true)
    assert.equal(await userPage.locator('#token').isVisible(), true)
    // A made-up token unlocks nothing and says why.
    await userPage.locator('#token').fill('not-the-token')
    await userPage.locator('#token-form button[type="submit"]').click()
    await userPage.locator('#token-status.danger').waitFor()
    assert.equal(await userPage.locator('#sysop-panel').isHidden(), true)

    // Add a worker from the panel: it shows in the table and on the node.
    await sysopPage.locator('#worker-form input[name="name"]').fill('added-from-ui')
    await sysopPage.locator('#worker-form input[name="address"]').fill(`127.0.0.1:${extra.port}`)
    await sysopPage.locator('#worker-form select[name="type"]').selectOption('vision')
    await sysopPage.locator('#worker-form button[type="submit"]').click()
    await sysopPage.locator('#sys-workers', { hasText: 'added-from-ui' }).waitFor()
    const status = (await (await fetch(`${node.httpUrl}/api/node`)).json()) as { realms: Array<{ queryType: string; workers: Array<{ name: string }> }> }
    assert.ok(status.realms.find((r) => r.queryType === 'vision')?.workers.some((w) => w.name === 'added-from-ui'))

    // Broadcast: the other user sees it.
    await sysopPage.locator('#broadcast').fill('Maintenance at noon')
    await sysopPage.locator('#broadcast-form button[type="submit"]').click()
    await userPage.locator('.notice', { hasText: 'Maintenance at noon' }).waitFor()

    // Ban the other user from the users table: their page says so and cannot send.
    const userGuid = await userPage.evaluate(() => document.cookie.match(/user_guid=([^;]+)/)?.[1])
    assert.ok(userGuid)
    const row = sysopPage.locator('#sys-users tr', { has: sysopPage.locator(`[title="${userGuid}"]`) })
    await row.waitFor()
    await row.locator('button', { hasText: 'Ban' }).click()
    await userPage.locator('.notice', { hasText: 'banned' }).waitFor()
    await sysopPage.locator('#sys-users tr', { hasText: 'banned' }).waitFor()
    await screenshot(sysopPage, 'sysop')
  })

  it('sysop: presenting the admin token opens the panel with sysop rights', async () => {
    const dataDir = await temp.make()
    const node = await startNode([], dataDir)
    // Someone else takes the first-user seat, so the page is an ordinary user until it shows the token.
    const first = await WsClient.connect(node.wsUrl)
    clients.push(first)
    await first.nextOfType('huggingface_update')
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()
    const { page } = await open(await browser(), node, '#sysop')
    assert.equal(await page.locator('#sysop-panel').isHidden(), true)
    await page.locator('#token').fill(token)
    await page.locator('#token-form button[type="submit"]').click()
    await page.locator('#sysop-panel:not([hidden])').waitFor()
    // Sysop rights on the live connection: the user list (get_stats) arrives.
    await page.locator('#sys-users tr', { hasText: 'user_' }).first().waitFor()
    await page.locator('#sys-realms table').waitFor()
  })

  it('reconnects by itself when the node restarts, keeps the user, and the next query works', async () => {
    const chat = await worker()
    const dataDir = await temp.make()
    const workerFlag = ['--worker', `chat=127.0.0.1:${chat.port}`]
    const node = await startNode(workerFlag, dataDir)
    const port = Number(new URL(node.httpUrl).port)
    const { page } = await open(await browser(), node)
    await ask(page, 'before the restart')
    assert.match((await newestAnswer(page)).body, /echo: before the restart/)
    const guid = await page.evaluate(() => document.cookie.match(/user_guid=([^;]+)/)?.[1])

    assert.equal(await node.stop(), 0)
    await page.locator('#conn[data-state="waiting"]').waitFor()
    assert.match((await page.locator('#conn').textContent()) ?? '', /Reconnecting in \d+ s/)
    await screenshot(page, 'reconnecting')

    await startNode(workerFlag, dataDir, port)
    await page.locator('#conn[data-state="open"]').waitFor({ timeout: 45_000 })
    await ask(page, 'after the restart')
    await page.locator('.answer.done', { hasText: 'echo: after the restart' }).waitFor()
    assert.equal(await page.evaluate(() => document.cookie.match(/user_guid=([^;]+)/)?.[1]), guid)
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1)
  })

  it('phone width in dark mode: nothing overflows sideways, and the keyboard reaches every control in order', async () => {
    const chat = await worker()
    const node = await startNode(['--worker', `chat=127.0.0.1:${chat.port}`])
    const { page } = await open(await browser({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' }), node)
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number)
    assert.ok((r ?? 255) + (g ?? 255) + (b ?? 255) < 150, `dark background, got ${background}`)

    // Tab from the top of the page: the mode choice, the model picker, the prompt and Send, in that order.
    const reached: string[] = []
    await page.locator('body').focus()
    for (let i = 0; i < 20 && !reached.includes('send'); i++) {
      await page.keyboard.press('Tab')
      reached.push(await page.evaluate(() => document.activeElement?.id || (document.activeElement as HTMLInputElement | null)?.name || ''))
    }
    const at = (id: string): number => reached.indexOf(id)
    assert.ok(at('mode') >= 0 && at('mode') < at('model') && at('model') < at('prompt') && at('prompt') < at('send'), reached.join(','))

    // Type and send with the keyboard alone.
    await page.locator('body').focus()
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) !== 'prompt'; i++) await page.keyboard.press('Tab')
    await page.keyboard.type('typed on a phone')
    await page.keyboard.press('Control+Enter')
    await page.locator('.answer.done', { hasText: 'echo: typed on a phone' }).waitFor()
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390)
    await screenshot(page, 'phone-dark')
  })
})
