import { logger } from '@libp2p/logger'
import { NoWorkerAvailableError, WorkerProtocolError, type WorkerRequest } from '../workers/index.js'
import { SpeechNotUnderstoodError } from './errors.js'
import type { Realm } from './realm.js'
import type { RealmRegistry } from './registry.js'
import type { QueryOutcome, QueryRunner, QueryRunOptions } from './runner.js'

const log = logger('rentahal:realms:speech')

/**
 * Speech as the original broker did it, around any runner: a `speech` query's
 * audio is transcribed by a speech worker of this node, the text is answered
 * as a `chat` query (by the inner runner: locally or through the federation),
 * and when `model_type` is `speech` (the legacy client's voice mode) the text
 * answer is spoken by a speech worker and returned as audio. Without a speech
 * worker able to speak, the answer stays text.
 */
export class SpeechQueryRunner implements QueryRunner {
  constructor(
    private readonly inner: QueryRunner,
    private readonly realms: RealmRegistry
  ) {}

  private speechRealm(): Realm | undefined {
    return this.realms.findForType('speech')
  }

  async run(request: WorkerRequest, options: QueryRunOptions = {}): Promise<QueryOutcome> {
    let chat = request
    if (request.queryType === 'speech') {
      let prompt = request.prompt
      if (request.audio !== undefined) {
        const realm = this.speechRealm()
        if (realm === undefined) throw new NoWorkerAvailableError('speech', 'No worker available for speech')
        const heard = await realm.submit(
          { queryType: 'speech', prompt: '', modelType: request.modelType, modelName: '', audio: request.audio },
          { signal: options.signal, onPosition: options.onPosition }
        )
        if (heard.result.type !== 'text') throw new WorkerProtocolError(`speech worker ${heard.worker} did not return a transcription`)
        prompt = heard.result.text.trim()
        if (prompt === '') throw new SpeechNotUnderstoodError('No speech was recognised in the audio')
      }
      chat = { queryType: 'chat', prompt, modelType: request.modelType, modelName: request.modelName }
      if (request.image !== undefined) chat.image = request.image
    }
    const outcome = await this.inner.run(chat, options)
    if (request.modelType !== 'speech' || outcome.result.type !== 'text') return outcome
    const realm = this.speechRealm()
    if (realm === undefined || !realm.canServe()) return outcome
    try {
      const spoken = await realm.submit({ queryType: 'speech', prompt: outcome.result.text, modelType: 'speech', modelName: '' }, { signal: options.signal })
      if (spoken.result.type === 'audio') return { result: spoken.result, servedBy: outcome.servedBy }
    } catch (err) {
      if (options.signal?.aborted) throw err
      log.error('could not speak the answer, returning text: %s', (err as Error).message)
    }
    return outcome
  }
}
