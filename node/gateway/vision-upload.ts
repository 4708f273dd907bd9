import { MAX_ATTACHMENT_BYTES } from '../../protocol/index.js'
import { InvalidQueryError } from './query-desk.js'

/** Base64 text of the largest image an upload may carry. */
export const VISION_UPLOAD_MAX_CHARS = Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 64
/** Most chunks one upload may have (the legacy client sends 1 MiB of base64 per chunk). */
export const VISION_UPLOAD_MAX_CHUNKS = 64
/** Uploads one client may have in progress at once. */
export const VISION_UPLOADS_PER_CLIENT = 2
/** An upload with no new chunk for this long is dropped. */
export const VISION_UPLOAD_IDLE_MS = 60_000

export interface VisionChunk {
  chunk_id: number
  total_chunks: number
  chunk_data: string
  image_id: string
  prompt: string
  model_type: string
  model_name: string
}

export interface CompleteUpload {
  imageBase64: string
  prompt: string
  model_type: string
  model_name: string
}

interface Upload {
  total: number
  chunks: Array<string | undefined>
  received: number
  chars: number
  lastChunkAt: number
}

/**
 * One client's chunked image uploads (`vision_chunk`), bounded in number,
 * chunk count, total size and idle time so a client cannot pin memory.
 */
export class VisionUploads {
  private readonly uploads = new Map<string, Upload>()

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.uploads.size
  }

  /** Add a chunk; returns the whole upload once its last chunk has arrived. */
  add(chunk: VisionChunk): CompleteUpload | undefined {
    this.expire()
    const { chunk_id: id, total_chunks: total } = chunk
    if (total < 1 || total > VISION_UPLOAD_MAX_CHUNKS) {
      throw new InvalidQueryError(`Invalid vision_chunk: total_chunks must be 1-${VISION_UPLOAD_MAX_CHUNKS}`)
    }
    if (id >= total) throw new InvalidQueryError('Invalid vision_chunk: chunk_id must be below total_chunks')
    let upload = this.uploads.get(chunk.image_id)
    if (upload === undefined) {
      if (this.uploads.size >= VISION_UPLOADS_PER_CLIENT) {
        throw new InvalidQueryError(`Too many image uploads in progress (at most ${VISION_UPLOADS_PER_CLIENT}); finish one first`)
      }
      upload = { total, chunks: new Array(total).fill(undefined), received: 0, chars: 0, lastChunkAt: this.now() }
      this.uploads.set(chunk.image_id, upload)
    }
    if (upload.total !== total) {
      this.uploads.delete(chunk.image_id)
      throw new InvalidQueryError('Invalid vision_chunk: total_chunks changed during the upload; start again')
    }
    const previous = upload.chunks[id]
    upload.chars += chunk.chunk_data.length - (previous?.length ?? 0)
    if (upload.chars > VISION_UPLOAD_MAX_CHARS) {
      this.uploads.delete(chunk.image_id)
      throw new InvalidQueryError(`Invalid image: larger than ${MAX_ATTACHMENT_BYTES} bytes`)
    }
    if (previous === undefined) upload.received++
    upload.chunks[id] = chunk.chunk_data
    upload.lastChunkAt = this.now()
    if (upload.received < upload.total) return undefined
    this.uploads.delete(chunk.image_id)
    return { imageBase64: upload.chunks.join(''), prompt: chunk.prompt, model_type: chunk.model_type, model_name: chunk.model_name }
  }

  clear(): void {
    this.uploads.clear()
  }

  private expire(): void {
    const cutoff = this.now() - VISION_UPLOAD_IDLE_MS
    for (const [id, upload] of this.uploads) if (upload.lastChunkAt < cutoff) this.uploads.delete(id)
  }
}
