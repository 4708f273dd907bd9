// Renders a line of text into a PNG with a built-in 5×7 pixel font, using only
// node:zlib, so the OCR test fixture is reproducible on any machine:
//
//   npx tsx scripts/make-ocr-fixture.ts "HELLO FROM RENTAHAL 42" test/fixtures/ocr-hello.png
//
// Output: 8-bit greyscale PNG, black text on white, each font pixel drawn as a
// SCALE×SCALE block with a margin, softened by a small box blur; deterministic
// byte for byte.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const SCALE = 4
const MARGIN = 4 // in font pixels
const GAP = 2 // font pixels between glyphs
const BLUR = 1 // box blur radius in output pixels (soft edges read better than hard pixel steps)

// 5×7 glyphs, one string per row, '#' = ink.
const FONT: Record<string, string[]> = {
  A: [' ### ', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  B: ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
  C: [' ### ', '#   #', '#    ', '#    ', '#    ', '#   #', ' ### '],
  D: ['#### ', '#   #', '#   #', '#   #', '#   #', '#   #', '#### '],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  F: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#    '],
  G: [' ### ', '#   #', '#    ', '# ###', '#   #', '#   #', ' ####'],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  I: [' ### ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  J: ['  ###', '   # ', '   # ', '   # ', '   # ', '#  # ', ' ##  '],
  K: ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
  L: ['#    ', '#    ', '#    ', '#    ', '#    ', '#    ', '#####'],
  M: ['#   #', '## ##', '# # #', '# # #', '#   #', '#   #', '#   #'],
  N: ['#   #', '##  #', '##  #', '# # #', '#  ##', '#  ##', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  Q: [' ### ', '#   #', '#   #', '#   #', '# # #', '#  # ', ' ## #'],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  S: [' ####', '#    ', '#    ', ' ### ', '    #', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  U: ['#   #', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  V: ['#   #', '#   #', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '#   #', '# # #', '# # #', '# # #', ' # # '],
  X: ['#   #', '#   #', ' # # ', '  #  ', ' # # ', '#   #', '#   #'],
  Y: ['#   #', '#   #', ' # # ', '  #  ', '  #  ', '  #  ', '  #  '],
  Z: ['#####', '    #', '   # ', '  #  ', ' #   ', '#    ', '#####'],
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     ']
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** Box blur of the greyscale rows in place (rows start after their filter byte): softens the pixel font's edges. */
function blur(raw: Buffer, width: number, height: number, r: number): void {
  const px = (x: number, y: number): number => raw[y * (width + 1) + 1 + x] as number
  const out = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0
      let n = 0
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx
          const yy = y + dy
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue
          sum += px(xx, yy)
          n++
        }
      }
      out[y * width + x] = Math.round(sum / n)
    }
  }
  for (let y = 0; y < height; y++) raw.set(out.subarray(y * width, (y + 1) * width), y * (width + 1) + 1)
}

/** Render text (A–Z, 0–9, space) as a greyscale PNG. */
export function renderTextPng(text: string): Buffer {
  const glyphs = [...text.toUpperCase()].map((ch) => {
    const g = FONT[ch]
    if (g === undefined) throw new Error(`no glyph for ${JSON.stringify(ch)}`)
    return g
  })
  const cols = glyphs.length * (5 + GAP) - GAP + 2 * MARGIN
  const rows = 7 + 2 * MARGIN
  const width = cols * SCALE
  const height = rows * SCALE
  const raw = Buffer.alloc((width + 1) * height, 0xff)
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0 // filter: none
  glyphs.forEach((glyph, gi) => {
    glyph.forEach((row, ry) => {
      ;[...row].forEach((cell, rx) => {
        if (cell !== '#') return
        const x0 = (MARGIN + gi * (5 + GAP) + rx) * SCALE
        const y0 = (MARGIN + ry) * SCALE
        for (let y = y0; y < y0 + SCALE; y++) raw.fill(0, y * (width + 1) + 1 + x0, y * (width + 1) + 1 + x0 + SCALE)
      })
    })
  })
  if (BLUR > 0) blur(raw, width, height, BLUR)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [text, out] = process.argv.slice(2)
  if (text === undefined || out === undefined) {
    console.error('usage: tsx scripts/make-ocr-fixture.ts "<TEXT>" <out.png>')
    process.exit(2)
  }
  writeFileSync(out, renderTextPng(text))
  console.log(`wrote ${out}`)
}
