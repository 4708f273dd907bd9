import assert from 'node:assert/strict'
import { messagesToQuery } from '../../../node/gateway/openai.js'

describe('OpenAI messages → legacy query', () => {
  it('a lone user message is the prompt as it is', () => {
    assert.deepEqual(messagesToQuery([{ role: 'user', content: 'hi' }]), { prompt: 'hi', image: undefined })
  })

  it('a conversation becomes a labelled transcript ending with the assistant’s turn', () => {
    const q = messagesToQuery([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Name a colour.' }] },
      { role: 'assistant', content: 'Red.' },
      { role: 'user', content: 'Another.' }
    ])
    assert.equal(q.prompt, 'System: Be brief.\n\nUser: Name a colour.\n\nAssistant: Red.\n\nUser: Another.\n\nAssistant:')
  })

  it('takes the last data: URL image and refuses other image sources and part types', () => {
    const q = messagesToQuery([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'text', text: 'and this?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/w==' } }
        ]
      }
    ])
    assert.deepEqual(q.image, new Uint8Array([0xff]))
    assert.equal(q.prompt, 'and this?')
    const refuse = (content: unknown, expected: RegExp): void =>
      assert.throws(
        () => messagesToQuery([{ role: 'user', content }]),
        (err: Error & { statusCode?: number }) => err.statusCode === 400 && expected.test(err.message)
      )
    refuse([{ type: 'image_url', image_url: { url: 'https://example.org/cat.png' } }], /must be data: URLs/)
    refuse([{ type: 'input_audio', input_audio: {} }], /only text and image_url parts/)
    refuse(42, /must be a string or an array/)
    refuse('', /hold no text/)
    assert.throws(() => messagesToQuery([{ role: 'wizard', content: 'x' }]), /role must be one of/)
  })
})
