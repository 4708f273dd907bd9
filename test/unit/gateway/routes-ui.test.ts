import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import { IMMUTABLE_CACHE, PAGE_CACHE, registerUiRoutes, UI_CONTENT_SECURITY_POLICY } from '../../../node/gateway/routes-ui.js'
import { TempDirs } from '../../helpers/temp.js'

describe('gateway UI routes', () => {
  const temp = new TempDirs()
  let app: FastifyInstance | undefined

  afterEach(async () => {
    await app?.close()
    app = undefined
    await temp.cleanup()
  })

  const build = async (dir: string | undefined): Promise<FastifyInstance> => {
    app = Fastify()
    await registerUiRoutes(app, dir)
    return app
  }

  const builtUi = async (): Promise<{ dir: string; script: string }> => {
    const dir = await temp.make()
    await mkdir(join(dir, 'assets'))
    const script = `console.log(${JSON.stringify('x'.repeat(2000))})`
    await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app-ABC.js"></script>')
    await writeFile(join(dir, 'assets', 'app-ABC.js'), script)
    return { dir, script }
  }

  it('serves the page with revalidation, an ETag and a strict content security policy', async () => {
    const { dir } = await builtUi()
    const ui = await build(dir)
    const res = await ui.inject({ url: '/' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.equal(res.headers['cache-control'], PAGE_CACHE)
    assert.equal(res.headers['content-security-policy'], UI_CONTENT_SECURITY_POLICY)
    assert.match(UI_CONTENT_SECURITY_POLICY, /connect-src 'self'/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.match(res.body, /app-ABC\.js/)
    const etag = String(res.headers.etag)
    assert.match(etag, /^"[\w-]+"$/)

    const again = await ui.inject({ url: '/', headers: { 'if-none-match': etag } })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
  })

  it('serves hashed assets as immutable, gzipped when the browser accepts it', async () => {
    const { dir, script } = await builtUi()
    const ui = await build(dir)
    const plain = await ui.inject({ url: '/assets/app-ABC.js' })
    assert.equal(plain.statusCode, 200)
    assert.equal(plain.headers['cache-control'], IMMUTABLE_CACHE)
    assert.match(String(plain.headers['content-type']), /^text\/javascript/)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(plain.body, script)

    const gz = await ui.inject({ url: '/assets/app-ABC.js', headers: { 'accept-encoding': 'br, gzip' } })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(gz.headers.vary, 'accept-encoding')
    assert.ok(gz.rawPayload.length < script.length)
    assert.equal(gunzipSync(gz.rawPayload).toString(), script)
  })

  it('answers 404 for an unknown asset and never reads outside the build', async () => {
    const { dir } = await builtUi()
    const ui = await build(dir)
    assert.equal((await ui.inject({ url: '/assets/nope.js' })).statusCode, 404)
    assert.equal((await ui.inject({ url: '/assets/..%2Findex.html' })).statusCode, 404)
    assert.equal((await ui.inject({ url: '/assets/%2E%2E%2F%2E%2E%2Fpackage.json' })).statusCode, 404)
  })

  it('says how to build the UI when there is no build', async () => {
    const ui = await build(undefined)
    const res = await ui.inject({ url: '/' })
    assert.equal(res.statusCode, 503)
    assert.match(res.body, /npm run build/)
  })
})
