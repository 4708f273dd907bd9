import assert from 'node:assert/strict'
import type { RentahalNode } from '../../node/index.js'
import { startTestNode } from '../helpers/node.js'
import { TempDirs } from '../helpers/temp.js'

// Needs the UI build (`npm run build`, run by `pretest`).
describe('the node serves its built browser UI', () => {
  const temp = new TempDirs()
  let node: RentahalNode | undefined

  afterEach(async () => {
    await node?.stop()
    node = undefined
    await temp.cleanup()
  })

  it('at /, with every script, stylesheet and icon the page names', async () => {
    node = await startTestNode(temp, { http: false })
    const app = node.gateway.app
    const page = await app.inject({ url: '/' })
    assert.equal(page.statusCode, 200, 'run npm run build first')
    const assets = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string)
    assert.ok(assets.some((a) => a.endsWith('.js')))
    assert.ok(assets.some((a) => a.endsWith('.css')))
    for (const url of new Set(assets)) {
      const res = await app.inject({ url })
      assert.equal(res.statusCode, 200, url)
      assert.match(String(res.headers['cache-control']), /immutable/, url)
    }
    // Offline-safe: nothing is loaded from another origin.
    assert.doesNotMatch(page.body, /(?:src|href)="(?:https?:)?\/\//)
  })
})
