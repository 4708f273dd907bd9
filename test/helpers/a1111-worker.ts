import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import sharp from 'sharp'

/** A real PNG (a colour gradient) of the given size. */
export async function makePng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      pixels[i] = Math.round((255 * x) / width)
      pixels[i + 1] = Math.round((255 * y) / height)
      pixels[i + 2] = 128
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

/**
 * A real HTTP server speaking AUTOMATIC1111's API as the legacy broker used
 * it: `POST /sdapi/v1/txt2img` → `{images: [<base64 PNG>]}`, plus
 * `/sdapi/v1/progress` for health. Records every request body.
 */
export class A1111TestServer {
  readonly calls: Array<Record<string, unknown>> = []
  png: Buffer = Buffer.alloc(0)
  private readonly server: Server

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy())
    })
  }

  async start(width = 64, height = 48): Promise<this> {
    this.png = await makePng(width, height)
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    return this
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/sdapi/v1/progress') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"progress":0}')
      return
    }
    if (req.method !== 'POST' || req.url !== '/sdapi/v1/txt2img') {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    this.calls.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ images: [this.png.toString('base64')], parameters: {}, info: '{}' }))
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close').catch(() => undefined)
  }
}
