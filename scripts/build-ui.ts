// Bundle the browser UI (ui/) into ui/dist/: one minified script and one
// stylesheet with content hashes in their names (served as immutable), and
// index.html pointing at them (served with revalidation). Prints the sizes.
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const UI = join(ROOT, 'ui')
const OUT = join(UI, 'dist')
const ASSETS = join(OUT, 'assets')

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true })
  await mkdir(ASSETS, { recursive: true })
  const result = await build({
    entryPoints: { app: join(UI, 'src', 'main.ts'), styles: join(UI, 'styles.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    outdir: ASSETS,
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning'
  })
  const outputs = Object.keys(result.metafile.outputs).map((p) => join(ROOT, p))
  const js = outputs.find((p) => p.endsWith('.js'))
  const css = outputs.find((p) => p.endsWith('.css'))
  if (js === undefined || css === undefined) throw new Error('esbuild produced no script or stylesheet')

  const icon = await readFile(join(UI, 'favicon.svg'))
  const iconName = `favicon-${createHash('sha256').update(icon).digest('hex').slice(0, 8).toUpperCase()}.svg`
  await copyFile(join(UI, 'favicon.svg'), join(ASSETS, iconName))

  const html = (await readFile(join(UI, 'index.html'), 'utf8'))
    .replaceAll('%APP_JS%', `/assets/${basename(js)}`)
    .replaceAll('%APP_CSS%', `/assets/${basename(css)}`)
    .replaceAll('%FAVICON%', `/assets/${iconName}`)
  await writeFile(join(OUT, 'index.html'), html)

  let total = 0
  let totalGz = 0
  for (const file of [join(OUT, 'index.html'), js, css, join(ASSETS, iconName)]) {
    const data = await readFile(file)
    const gz = gzipSync(data).length
    total += data.length
    totalGz += gz
    console.log(`ui: ${relative(ROOT, file).padEnd(40)} ${String(data.length).padStart(7)} B  ${String(gz).padStart(6)} B gzip`)
  }
  console.log(`ui: total ${total} B, ${totalGz} B gzip`)
}

main().catch((err) => {
  console.error(`build-ui: ${(err as Error).message}`)
  process.exit(1)
})
