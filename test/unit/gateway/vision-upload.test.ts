import assert from 'node:assert/strict'
import {
  VISION_UPLOAD_IDLE_MS,
  VISION_UPLOAD_MAX_CHARS,
  VISION_UPLOAD_MAX_CHUNKS,
  VISION_UPLOADS_PER_CLIENT,
  VisionUploads
} from '../../../node/gateway/vision-upload.js'

const chunk = (image_id: string, chunk_id: number, total_chunks: number, chunk_data = 'QUJD') => ({
  type: 'vision_chunk' as const,
  image_id,
  chunk_id,
  total_chunks,
  chunk_data,
  prompt: 'p',
  model_type: 'worker_node',
  model_name: 'm'
})

function assertInvalid(fn: () => unknown, expected: RegExp): void {
  assert.throws(fn, (err: Error) => err.name === 'InvalidQueryError' && expected.test(err.message))
}

describe('VisionUploads', () => {
  it('assembles chunks in any order and forgets the upload once complete', () => {
    const uploads = new VisionUploads()
    assert.equal(uploads.add(chunk('a', 2, 3, 'CC')), undefined)
    assert.equal(uploads.add(chunk('a', 0, 3, 'AA')), undefined)
    const done = uploads.add(chunk('a', 1, 3, 'BB'))
    assert.deepEqual(done, { imageBase64: 'AABBCC', prompt: 'p', model_type: 'worker_node', model_name: 'm' })
    assert.equal(uploads.size, 0)
  })

  it('a repeated chunk replaces the earlier one without counting twice', () => {
    const uploads = new VisionUploads()
    uploads.add(chunk('a', 0, 2, 'XX'))
    assert.equal(uploads.add(chunk('a', 0, 2, 'AA')), undefined)
    assert.equal(uploads.add(chunk('a', 1, 2, 'BB'))?.imageBase64, 'AABB')
  })

  it('bounds chunk counts, sizes and uploads in progress', () => {
    const uploads = new VisionUploads()
    assertInvalid(() => uploads.add(chunk('a', 0, VISION_UPLOAD_MAX_CHUNKS + 1)), /total_chunks must be 1-64/)
    assertInvalid(() => uploads.add(chunk('a', 0, 0)), /total_chunks/)
    assertInvalid(() => uploads.add(chunk('a', 3, 3)), /chunk_id must be below total_chunks/)
    for (let i = 0; i < VISION_UPLOADS_PER_CLIENT; i++) uploads.add(chunk(`u${i}`, 0, 2))
    assertInvalid(() => uploads.add(chunk('another', 0, 2)), /Too many image uploads in progress/)
    assertInvalid(() => uploads.add(chunk('u0', 1, 3)), /total_chunks changed/)
    assert.equal(uploads.size, VISION_UPLOADS_PER_CLIENT - 1, 'the inconsistent upload was dropped')
    const half = 'A'.repeat(Math.ceil(VISION_UPLOAD_MAX_CHARS / 2) + 1)
    uploads.add(chunk('big', 0, 3, half))
    assertInvalid(() => uploads.add(chunk('big', 1, 3, half)), /Invalid image: larger than/)
    assert.equal(uploads.size, VISION_UPLOADS_PER_CLIENT - 1)
  })

  it('drops uploads idle for too long', () => {
    let now = 0
    const uploads = new VisionUploads(() => now)
    uploads.add(chunk('old', 0, 2))
    uploads.add(chunk('old2', 0, 2))
    now = VISION_UPLOAD_IDLE_MS + 1
    assert.equal(uploads.add(chunk('new', 0, 2)), undefined, 'room again once the stale ones expired')
    assert.equal(uploads.size, 1)
  })
})
