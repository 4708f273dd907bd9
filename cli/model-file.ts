import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Where `--model <url>` downloads go. */
export function modelsDir(dataDir: string): string {
  return join(dataDir, 'models')
}

function megabytes(n: number): string {
  return `${(n / 1_000_000).toFixed(1)} MB`
}

/** A progress bar on stderr (a line per 10 % when stderr is not a terminal). */
function progress(name: string, total: number | undefined): { update(bytes: number): void; done(): void } {
  const tty = process.stderr.isTTY === true
  let lastTenth = -1
  return {
    update(bytes) {
      if (total === undefined || total === 0) {
        if (tty) process.stderr.write(`\r${name}: ${megabytes(bytes)}`)
        return
      }
      const fraction = Math.min(1, bytes / total)
      if (tty) {
        const width = 30
        const filled = Math.round(fraction * width)
        process.stderr.write(
          `\r${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${megabytes(bytes)}/${megabytes(total)}`
        )
      } else {
        const tenth = Math.floor(fraction * 10)
        if (tenth !== lastTenth) {
          lastTenth = tenth
          process.stderr.write(`${name}: ${tenth * 10}% of ${megabytes(total)}\n`)
        }
      }
    },
    done() {
      if (tty) process.stderr.write('\n')
    }
  }
}

/**
 * The GGUF file for `--model`: a path on disk, or an http(s) URL downloaded
 * once into `<data dir>/models/` with a progress bar. Resolves with the local
 * path, or with undefined after telling the user why there is none (missing
 * file, no network): the node then starts without the in-process model.
 */
export async function resolveModelFile(spec: string, dataDir: string): Promise<string | undefined> {
  if (!/^https?:\/\//i.test(spec)) {
    const path = resolve(spec)
    if (existsSync(path)) return path
    console.error(`rentahal-node: model file ${path} not found; starting without the in-process model`)
    return undefined
  }
  const url = new URL(spec)
  const name = basename(url.pathname) || 'model.gguf'
  const dir = modelsDir(dataDir)
  const target = join(dir, name)
  if (existsSync(target)) return target
  const partial = `${target}.part`
  try {
    await mkdir(dir, { recursive: true })
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) })
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`)
    const declared = Number(res.headers.get('content-length') ?? '')
    const bar = progress(`downloading ${name}`, Number.isFinite(declared) && declared > 0 ? declared : undefined)
    let received = 0
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)
    body.on('data', (chunk: Buffer) => {
      received += chunk.length
      bar.update(received)
    })
    await pipeline(body, createWriteStream(partial))
    bar.done()
    await rename(partial, target)
    console.error(`rentahal-node: downloaded ${name} (${megabytes(received)}) to ${target}`)
    return target
  } catch (err) {
    await rm(partial, { force: true })
    const e = err as Error & { cause?: { code?: string; message?: string } }
    console.error(
      `rentahal-node: cannot download ${spec} (${e.cause?.code ?? e.cause?.message ?? e.message}); no network or no such file? Starting without the in-process model`
    )
    return undefined
  }
}
