import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { configFromDocument, parseWorkerSpec } from '../../../node/config/index.js'

const load = (workers: unknown[], type = 'chat') => configFromDocument({ realms: { $R: { primary_query_type: type, workers } } }, '/etc/rentahal/realms.yml')

describe('config: worker kinds and their keys', () => {
  it('reads every worker key of realms.yml', () => {
    const [openai, llama] =
      load([
        { name: 'vllm', kind: 'openai', url: 'http://127.0.0.1:8000', models: ['qwen'], api_key: 'k', max_tokens: 128, capacity: 4 },
        { kind: 'llama-cpp', model_path: 'models/tiny.gguf', threads: 2, gpu: true, max_tokens: 64 }
      ]).realms[0]?.workers ?? []
    assert.deepEqual(openai, {
      name: 'vllm',
      kind: 'openai',
      type: 'chat',
      url: 'http://127.0.0.1:8000',
      models: ['qwen'],
      capacity: 4,
      apiKey: 'k',
      maxTokens: 128
    })
    // model_path is relative to the config file.
    assert.deepEqual(llama, {
      name: 'llama-cpp-chat-tiny.gguf',
      kind: 'llama-cpp',
      type: 'chat',
      url: '',
      models: [],
      capacity: 1,
      modelPath: '/etc/rentahal/models/tiny.gguf',
      threads: 2,
      gpu: true,
      maxTokens: 64
    })
    const [speech] =
      load([{ name: 'voice', kind: 'speech', url: '127.0.0.1:8880', stt_model: 'whisper-large-v3', tts_model: 'kokoro', voice: 'af_sky' }], 'speech').realms[0]
        ?.workers ?? []
    assert.deepEqual(speech, {
      name: 'voice',
      kind: 'speech',
      type: 'speech',
      url: 'http://127.0.0.1:8880',
      models: [],
      capacity: 1,
      sttModel: 'whisper-large-v3',
      ttsModel: 'kokoro',
      voice: 'af_sky'
    })
    const [ocr] = load([{ kind: 'ocr' }], 'vision').realms[0]?.workers ?? []
    assert.equal(ocr?.url, '')
    assert.equal(configFromDocument({ workers: { builtin_ocr: false } }, 'x.yml').workers.builtinOcr, false)
  })

  it('names the key and the reason for bad worker entries', () => {
    assert.throws(() => load([{ url: 'x:1', modle: 'typo' }]), /realms\.\$R\.workers\[0\]\.modle: unknown key/)
    assert.throws(() => load([{ kind: 'llama-cpp' }]), /workers\[0\]\.model_path: is required for a llama-cpp worker/)
    assert.throws(() => load([{ kind: 'ocr' }]), /workers\[0\]\.type: a worker of kind ocr serves vision, not chat/)
    assert.throws(() => load([{ kind: 'speech', url: 'x:1' }]), /a worker of kind speech serves speech, not chat/)
    assert.throws(() => load([{ kind: 'openai' }]), /workers\[0\]\.url: is required/)
    assert.throws(() => load([{ kind: 'llama-cpp', model_path: 'a.gguf', threads: 0 }]), /threads: must be a number between 1/)
  })

  it('parses --worker specs for every kind', () => {
    assert.deepEqual(parseWorkerSpec('chat=http://127.0.0.1:11434,kind=ollama,model=llama3.2,max_tokens=100'), {
      name: 'chat@127.0.0.1:11434',
      kind: 'ollama',
      type: 'chat',
      url: 'http://127.0.0.1:11434',
      models: ['llama3.2'],
      capacity: 1,
      maxTokens: 100
    })
    assert.equal(parseWorkerSpec('chat=http://127.0.0.1:8000,kind=openai,api_key=a=b').apiKey, 'a=b')
    assert.deepEqual(parseWorkerSpec('chat=models/tiny.gguf,kind=llama-cpp,threads=2'), {
      name: 'chat@tiny.gguf',
      kind: 'llama-cpp',
      type: 'chat',
      url: '',
      models: [],
      capacity: 1,
      modelPath: resolve('models/tiny.gguf'),
      threads: 2
    })
    assert.equal(parseWorkerSpec('vision=,kind=ocr').name, 'vision@ocr')
    assert.throws(() => parseWorkerSpec('chat=,kind=llama-cpp'), /needs a GGUF path/)
    assert.throws(() => parseWorkerSpec('chat=http://x,kind=a1111'), /a worker of kind a1111 serves imagine or vision, not chat/)
    assert.throws(() => parseWorkerSpec('chat=http://x,gpu=yes'), /gpu must be true or false/)
  })
})
