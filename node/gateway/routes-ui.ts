import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Hashed asset names never change content: cache for a year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable'
/** The page itself is revalidated every time (cheap: ETag → 304). */
export const PAGE_CACHE = 'no-cache'

/** Only what the UI needs: same-origin script, styles, API and `/ws`; images and audio from data:/blob: URLs. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json'
}

interface UiFile {
  body: Buffer
  gzip: Buffer | undefined
  type: string
  etag: string
  cache: string
}

/** Where `npm run build` puts the UI: `ui/dist` at the package root (from `node/gateway` or `dist/node/gateway`). */
export function defaultUiDir(): string | undefined {
  for (const up of ['../../ui/dist', '../../../ui/dist']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return undefined
}

async function loadFile(path: string, cache: string): Promise<UiFile> {
  const body = await readFile(path)
  const type = TYPES[extname(path)] ?? 'application/octet-stream'
  const gz = type.startsWith('text/') || type === 'image/svg+xml' || type === 'application/json' ? gzipSync(body) : undefined
  return {
    body,
    gzip: gz !== undefined && gz.length < body.length ? gz : undefined,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    cache
  }
}

function serve(request: FastifyRequest, reply: FastifyReply, file: UiFile): FastifyReply {
  reply
    .header('content-type', file.type)
    .header('cache-control', file.cache)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding')
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  const gzipOk = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
  if (file.gzip !== undefined && gzipOk) return reply.header('content-encoding', 'gzip').send(file.gzip)
  return reply.send(file.body)
}

/**
 * The browser UI at `/` and its assets at `/assets/<name>`, read once from
 * the built UI folder (`defaultUiDir()`) and kept in memory (the bundle is
 * small). Without a build (`dir` undefined), `/` says how to make one.
 */
export async function registerUiRoutes(app: FastifyInstance, dir: string | undefined): Promise<void> {
  let page: UiFile | undefined
  const assets = new Map<string, UiFile>()
  if (dir !== undefined) {
    page = await loadFile(join(dir, 'index.html'), PAGE_CACHE)
    const assetDir = join(dir, 'assets')
    const names = existsSync(assetDir) ? await readdir(assetDir) : []
    for (const name of names) assets.set(name, await loadFile(join(assetDir, name), IMMUTABLE_CACHE))
  }

  app.get('/', async (request, reply) => {
    if (page === undefined) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>rentahal-node</title><p>The browser UI is not built. Run <code>npm run build</code> in the rentahal-node folder, then restart the node.</p>'
        )
    }
    reply.header('content-security-policy', UI_CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY')
    return serve(request, reply, page)
  })

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const file = assets.get(request.params.name)
    if (file === undefined) return reply.code(404).send({ error: 'Not found' })
    return serve(request, reply, file)
  })
}
