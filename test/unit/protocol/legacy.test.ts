import assert from 'node:assert/strict'
import { legacyCost, parseClientMessage } from '../../../protocol/index.js'

describe('legacy /ws messages', () => {
  it('ignores unknown extra fields such as messageId', () => {
    const msg = parseClientMessage(
      JSON.stringify({
        type: 'submit_query',
        messageId: 'msg_1_2',
        query: { prompt: 'p', query_type: 'chat', model_type: 'worker_node', model_name: 'm', x: 1 }
      }),
      1000
    )
    assert.deepEqual(msg, {
      type: 'submit_query',
      stream: false,
      query: { prompt: 'p', query_type: 'chat', model_type: 'worker_node', model_name: 'm', image: undefined, audio: undefined }
    })
  })

  it('returns undefined for an unknown type and throws a clear error for bad shapes', () => {
    assert.equal(parseClientMessage('{"type":"dance"}', 10), undefined)
    assert.throws(() => parseClientMessage('{"type":"submit_query","query":{"prompt":1}}', 10), /prompt must be a string/)
    assert.throws(
      () =>
        parseClientMessage('{"type":"submit_query","query":{"prompt":"p","query_type":"chat","model_type":"a","model_name":"b","image":"xxxxxxxxxxx"}}', 10),
      /image is longer than 10/
    )
    assert.throws(() => parseClientMessage('{"type":"vision_chunk","chunk_id":-1}', 10), /chunk_id must be a non-negative integer/)
    assert.throws(() => parseClientMessage('null', 10), /expected an object/)
  })

  it('computes the legacy cost', () => {
    assert.equal(legacyCost(0), 0.01)
    assert.ok(Math.abs(legacyCost(2.5) - 0.0125) < 1e-12)
  })
})
