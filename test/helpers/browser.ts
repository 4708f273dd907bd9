import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import type { TempDirs } from './temp.js'

/** Debian's Chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Screenshots for people to look at; gitignored, never committed. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
/** Longest a single browser wait may take before the test fails saying what it waited for. */
export const BROWSER_WAIT_MS = 30_000

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export interface BrowserOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /** A fake microphone (a test tone), already allowed. */
  fakeMicrophone?: boolean
}

const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']

/** A real Chromium with a fresh profile (its own cookies and storage). Close it in afterEach. */
export async function launchBrowser(temp: TempDirs, options: BrowserOptions = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run apt-get install -y chromium, or set CHROMIUM_PATH`)
  const context = await chromium.launchPersistentContext(await temp.make('rentahal-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: options.fakeMicrophone === true ? [...ARGS, ...FAKE_MEDIA_ARGS] : ARGS,
    permissions: options.fakeMicrophone === true ? ['microphone'] : [],
    viewport: options.viewport ?? { width: 1100, height: 900 },
    colorScheme: options.colorScheme ?? 'light'
  })
  context.setDefaultTimeout(BROWSER_WAIT_MS)
  return context
}

export type Frame = Record<string, unknown> & { type: string }

/** Every `/ws` frame a page sends and receives, in order (armed before the page loads). */
export interface WsLog {
  sent: Frame[]
  received: Frame[]
  /** Types of both directions interleaved, `>` for sent and `<` for received. */
  order: string[]
}

export function recordWs(page: Page): WsLog {
  const log: WsLog = { sent: [], received: [], order: [] }
  const parse = (payload: string | Buffer): Frame | undefined => {
    try {
      return JSON.parse(payload.toString()) as Frame
    } catch {
      return undefined
    }
  }
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      const f = parse(payload)
      if (f === undefined) return
      log.sent.push(f)
      log.order.push(`>${f.type}`)
    })
    ws.on('framereceived', ({ payload }) => {
      const f = parse(payload)
      if (f === undefined) return
      log.received.push(f)
      log.order.push(`<${f.type}`)
    })
  })
  return log
}

/** Full-page screenshot to test-artifacts/ui-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, `ui-${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
