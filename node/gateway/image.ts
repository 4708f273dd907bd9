import { InvalidQueryError } from './query-desk.js'

/** Legacy: vision images reach workers as RGB JPEG thumbnails within 512×512, quality 85. */
export const VISION_MAX_SIDE_PX = 512
export const VISION_JPEG_QUALITY = 85
/** Larger decoded images are refused before decoding (a decompression bomb stays small on the wire). */
export const VISION_MAX_INPUT_PIXELS = 40_000_000
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'])

/**
 * Re-encode an uploaded image the way the original broker did before any
 * worker saw it: orientation applied, flattened to RGB, shrunk (never
 * enlarged) to fit 512×512, JPEG quality 85. Decoding runs off the event loop.
 */
export async function toVisionJpeg(input: Uint8Array): Promise<Uint8Array> {
  // Loaded on the first image, not at start: libvips adds ~30 MB to the RSS of every node (scripts/bench/memory.ts).
  const { default: sharp } = await import('sharp')
  let format: string | undefined
  try {
    format = (await sharp(input, { limitInputPixels: VISION_MAX_INPUT_PIXELS }).metadata()).format
  } catch {
    throw new InvalidQueryError('Invalid image: not a picture this node can read (JPEG, PNG, WebP, GIF, TIFF or HEIF)')
  }
  if (format === undefined || !ACCEPTED_FORMATS.has(format)) {
    throw new InvalidQueryError(`Invalid image: ${format ?? 'unknown'} is not accepted (JPEG, PNG, WebP, GIF, TIFF or HEIF)`)
  }
  try {
    const out = await sharp(input, { limitInputPixels: VISION_MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .resize(VISION_MAX_SIDE_PX, VISION_MAX_SIDE_PX, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: VISION_JPEG_QUALITY })
      .toBuffer()
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  } catch (err) {
    throw new InvalidQueryError(`Invalid image: ${(err as Error).message}`)
  }
}
