// The Ask form: chat, vision (image drop/paste/pick, chunked upload),
// imagine and speech (record → transcription → query, spoken answers), and
// the answers list. One query at a time: legacy frames carry no query id,
// so results are matched to the one query in flight.
import { AnswerCard, type AnswerResult, explainError } from './answers.js'
import type { Connection, Frame } from './connection.js'
import { announce, byId, h, replace } from './dom.js'
import type { FederationData } from './federation-data.js'
import { blobToBase64, type PickedImage, prepareImage, Recorder } from './media.js'
import { showNotice } from './notices.js'
import type { QueryType, ServedBy } from './types.js'

/** Legacy client slice size for `vision_chunk`: 1 MiB of base64 text. */
export const VISION_CHUNK_CHARS = 1024 * 1024
/** Longest text sent for speech synthesis. */
export const MAX_SPOKEN_CHARS = 4_000
const UNKNOWN_TYPE = 'Unknown message type'

const PLACEHOLDERS: Record<QueryType, string> = {
  chat: 'Ask anything…',
  vision: 'What should be done with the image? (default: describe it)',
  imagine: 'Describe the picture you want, e.g. "a lighthouse at dusk, watercolour"',
  speech: 'Record your question, or type it here and it is answered aloud'
}
const PROMPT_LABELS: Record<QueryType, string> = {
  chat: 'Your question',
  vision: 'Question about the image',
  imagine: 'Picture description',
  speech: 'Your question (spoken or typed)'
}
const DEFAULT_VISION_PROMPT = 'Describe this image in detail.'

interface LegacyQuery {
  prompt: string
  query_type: string
  model_type: string
  model_name: string
  image?: string
}

/** The query in flight and what the node is expected to answer next. */
interface Pending {
  card: AnswerCard
  query: LegacyQuery
  /** `upload`: sending vision chunks; `query`: waiting for the result. */
  stage: 'upload' | 'query'
  speak: boolean
  image?: string
  /** Place in the queue while waiting for a worker. */
  position?: number
  ack?: { resolve: () => void; reject: (err: Error) => void }
}

export interface AskEvents {
  /** A query was answered (totals and history change). */
  onAnswered(out: AnswerResult): void
  /** This user's GUID, to recognise broadcasts about them. */
  guid(): string | undefined
}

export class AskView {
  mode: QueryType = 'chat'
  private pending: Pending | undefined
  private image: PickedImage | undefined
  private transcribing = false
  /** Text sent to the node for speech synthesis, read by the browser if the node cannot. */
  private speaking: string | undefined
  private banned = false
  private readonly recorder = new Recorder()
  private readonly form = byId<HTMLFormElement>('ask-form')
  private readonly prompt = byId<HTMLTextAreaElement>('prompt')
  private readonly model = byId<HTMLSelectElement>('model')
  private readonly send = byId<HTMLButtonElement>('send')
  private readonly answers = byId('answers')
  private readonly availability = byId('availability')
  private readonly speak = byId<HTMLInputElement>('speak')
  private readonly recordButton = byId<HTMLButtonElement>('record')
  private readonly recordStatus = byId('record-status')

  constructor(
    private readonly conn: Connection,
    private readonly fed: FederationData,
    private readonly events: AskEvents
  ) {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault()
      this.submit()
    })
    for (const radio of this.form.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
      radio.addEventListener('change', () => this.setMode(radio.value as QueryType))
    }
    byId('clear').addEventListener('click', () => this.clear())
    this.recordButton.addEventListener('click', () => void this.toggleRecording())
    this.wireImageInputs()
    byId('send-hint').textContent = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘+Enter' : 'Ctrl+Enter'

    conn.on('queue_update', (f) => this.onQueueUpdate(f))
    conn.on('query_started', (f) => {
      const p = this.pending
      if (p === undefined) return
      p.position = undefined
      if (typeof f.served_by === 'object' && f.served_by !== null) p.card.setServing(f.served_by as ServedBy)
    })
    conn.on('query_chunk', (f) => {
      if (this.pending?.stage === 'query' && typeof f.text === 'string') this.pending.card.appendText(f.text)
    })
    conn.on('query_result', (f) => this.onResult(f as unknown as AnswerResult))
    conn.on('vision_chunk_received', () => this.pending?.ack?.resolve())
    conn.on('vision_upload_complete', () => {
      const p = this.pending
      if (p === undefined) return
      p.ack?.resolve()
      p.stage = 'query'
      p.card.setState('Image uploaded — waiting for a worker…')
    })
    conn.on('transcription_result', (f) => this.onTranscription(String(f.text ?? '')))
    conn.on('speech_result', (f) => {
      this.speaking = undefined
      void new Audio(`data:audio/wav;base64,${String(f.audio)}`).play().catch(() => undefined)
    })
    conn.on('error', (f) => this.onError(String(f.message ?? 'Unknown error')))
    conn.on('query_terminated', (f) => {
      if (f.guid === this.events.guid() && this.pending !== undefined) this.failPending('Your query was terminated by a sysop.')
    })
    conn.on('user_banned', (f) => f.guid === this.events.guid() && this.setBanned(true))
    conn.on('user_unbanned', (f) => f.guid === this.events.guid() && this.setBanned(false))
    conn.onState((state) => {
      if (state !== 'open' && this.pending !== undefined) {
        const { query, image } = this.pending
        this.failPending('The connection to the node was lost, so this query was cancelled.', () => this.start(query, image))
      }
      if (state !== 'open') this.transcribing = false
      this.updateSend()
    })
    fed.onChange(() => {
      this.refreshCapabilities()
      this.showPosition()
    })
    this.setMode('chat')
  }

  /** Send the form's query (Ctrl/Cmd+Enter, the Send button). */
  submit(): void {
    if (this.pending !== undefined || this.banned) return
    if (this.conn.state !== 'open') {
      showNotice('Not connected to the node yet; your query was not sent. The page reconnects by itself.', 'error', 'not-connected')
      return
    }
    let prompt = this.prompt.value.trim()
    const queryType = this.mode === 'speech' ? 'chat' : this.mode
    if (this.mode === 'vision') {
      if (this.image === undefined) {
        this.inputError('Add an image first: drop it on the box, paste it, or choose a file.', byId('image-zone'))
        return
      }
      if (prompt === '') prompt = DEFAULT_VISION_PROMPT
    } else if (prompt === '') {
      this.inputError(this.mode === 'speech' ? 'Record your question, or type it.' : 'Type your question first.', this.prompt)
      return
    }
    this.prompt.value = ''
    this.start({ prompt, query_type: queryType, model_type: 'worker_node', model_name: this.model.value }, undefined)
  }

  private start(query: LegacyQuery, imageB64: string | undefined): void {
    const card = new AnswerCard(this.mode === 'speech' ? 'speech' : query.query_type, query.prompt, query.model_name)
    this.answers.querySelector('.empty')?.remove()
    this.answers.prepend(card.el)
    const pending: Pending = { card, query, stage: 'query', speak: this.speak.checked, image: imageB64 }
    this.pending = pending
    this.updateSend()
    if (query.query_type === 'vision') {
      pending.stage = 'upload'
      void this.upload(pending)
      return
    }
    this.sendQuery(pending)
  }

  private sendQuery(p: Pending, image?: string): void {
    const query = image === undefined ? p.query : { ...p.query, image }
    if (!this.conn.send({ type: 'submit_query', query, stream: true })) {
      this.failPending('Not connected to the node; the query was not sent.')
      return
    }
    p.stage = 'query'
    p.card.setState('Sent — waiting for a worker…')
  }

  /** Vision: the image in 1 MiB base64 slices (`vision_chunk`), each acknowledged by the node. */
  private async upload(p: Pending): Promise<void> {
    try {
      if (p.image === undefined) {
        if (this.image === undefined) throw new Error('The image is gone; pick it again.')
        p.image = await blobToBase64(this.image.blob)
      }
      const b64 = p.image
      const total = Math.max(1, Math.ceil(b64.length / VISION_CHUNK_CHARS))
      const imageId = String(Date.now())
      for (let i = 0; i < total; i++) {
        if (this.pending !== p) return
        p.card.setState(`Uploading the image… ${i + 1} of ${total}`, i / total)
        const acked = new Promise<void>((resolve, reject) => {
          p.ack = { resolve, reject }
        })
        const sent = this.conn.send({
          type: 'vision_chunk',
          chunk_id: i,
          total_chunks: total,
          chunk_data: b64.slice(i * VISION_CHUNK_CHARS, (i + 1) * VISION_CHUNK_CHARS),
          image_id: imageId,
          prompt: p.query.prompt,
          query_type: 'vision',
          model_type: p.query.model_type,
          model_name: p.query.model_name
        })
        if (!sent) throw new Error('Not connected to the node; the image was not sent.')
        await acked
        p.ack = undefined
      }
    } catch (err) {
      if (this.pending === p && (err as Error).message === UNKNOWN_TYPE) {
        // A node without chunked uploads: send the image inside the query instead.
        this.sendQuery(p, p.image)
        return
      }
      if (this.pending === p) this.failPending((err as Error).message)
    }
  }

  private onQueueUpdate(f: Frame): void {
    if (typeof f.depth === 'number') byId('queue').textContent = `Queue ${f.depth}`
    const p = this.pending
    if (p === undefined || typeof f.position !== 'number') return
    p.position = f.position
    this.showPosition()
    // Fresh service times make a better estimate; the snapshot update shows it.
    void this.fed.refresh()
  }

  private showPosition(): void {
    const p = this.pending
    if (p?.position === undefined) return
    p.card.setPosition(p.position, this.fed.estimateWaitMs(p.query.query_type as QueryType, p.position))
  }

  private onResult(out: AnswerResult): void {
    const p = this.pending
    if (p === undefined) return
    this.pending = undefined
    p.card.finish(out)
    this.updateSend()
    this.events.onAnswered(out)
    if (p.speak && out.result_type === 'text') this.speakText(out.result)
  }

  private onError(message: string): void {
    const p = this.pending
    if (p?.ack !== undefined) {
      p.ack.reject(new Error(message))
      p.ack = undefined
      return
    }
    if (p !== undefined) {
      this.failPending(explainError(message, p.query.query_type), () => this.start(p.query, p.image))
      return
    }
    if (this.transcribing) {
      this.transcribing = false
      this.setRecordStatus(message === UNKNOWN_TYPE ? 'This node cannot transcribe speech (no speech-to-text).' : `Transcription failed: ${message}`, true)
      return
    }
    if (this.speaking !== undefined) {
      // No speech synthesis on the node: let the browser read it.
      this.browserSpeak(this.speaking)
      this.speaking = undefined
      return
    }
    showNotice(message, 'error', `error:${message}`)
  }

  private failPending(message: string, retry?: () => void): void {
    const p = this.pending
    if (p === undefined) return
    this.pending = undefined
    p.ack?.reject(new Error(message))
    p.card.fail(message, retry)
    announce(message)
    this.updateSend()
  }

  private speakText(text: string): void {
    const spoken = text.slice(0, MAX_SPOKEN_CHARS)
    if (this.conn.send({ type: 'text_to_speech', text: spoken })) this.speaking = spoken
    else this.browserSpeak(spoken)
  }

  private browserSpeak(text: string): void {
    if (typeof speechSynthesis === 'undefined') return
    speechSynthesis.cancel()
    speechSynthesis.speak(new SpeechSynthesisUtterance(text))
  }

  /** Remove finished answers (Ctrl/Cmd+L). */
  clear(): void {
    for (const card of this.answers.querySelectorAll('.answer:not([aria-busy="true"])')) card.remove()
    if (this.answers.children.length === 0) replace(this.answers, h('p', { class: 'empty' }, 'Cleared. New answers appear here.'))
    if (typeof speechSynthesis !== 'undefined') speechSynthesis.cancel()
  }

  setMode(mode: QueryType): void {
    this.mode = mode
    const radio = this.form.querySelector<HTMLInputElement>(`input[name="mode"][value="${mode}"]`)
    if (radio !== null) radio.checked = true
    byId('image-zone').hidden = mode !== 'vision'
    byId('speech-zone').hidden = mode !== 'speech'
    this.prompt.placeholder = PLACEHOLDERS[mode]
    byId('prompt-label').textContent = PROMPT_LABELS[mode]
    if (mode === 'speech') this.speak.checked = true
    this.refreshCapabilities()
  }

  toggleSpeak(): void {
    this.speak.checked = !this.speak.checked
    announce(this.speak.checked ? 'Answers will be spoken' : 'Answers will not be spoken')
  }

  /** Start or stop recording (Ctrl/Cmd+Shift+V). */
  async toggleRecording(): Promise<void> {
    if (this.mode !== 'speech') this.setMode('speech')
    if (this.recorder.recording) {
      const audio = await this.recorder.stop()
      this.recordButton.setAttribute('aria-pressed', 'false')
      this.recordButton.textContent = 'Start recording'
      if (!this.conn.send({ type: 'speech_to_text', audio: await blobToBase64(audio) })) {
        this.setRecordStatus('Not connected to the node; try again once connected.', true)
        return
      }
      this.transcribing = true
      this.setRecordStatus('Transcribing…')
      return
    }
    try {
      await this.recorder.start()
    } catch (err) {
      this.setRecordStatus((err as Error).message, true)
      return
    }
    this.recordButton.setAttribute('aria-pressed', 'true')
    this.recordButton.textContent = 'Stop and send'
    this.setRecordStatus('Recording… press again to stop and send.')
  }

  /** Stop recording if it is on (Esc). */
  stopRecording(): void {
    if (this.recorder.recording) void this.toggleRecording()
  }

  private onTranscription(text: string): void {
    if (!this.transcribing) return
    this.transcribing = false
    if (text.trim() === '') {
      this.setRecordStatus('Nothing was heard; try again closer to the microphone.', true)
      return
    }
    this.setRecordStatus(`Heard: “${text}”`)
    this.prompt.value = text
    this.submit()
  }

  private setRecordStatus(text: string, error = false): void {
    this.recordStatus.textContent = text
    this.recordStatus.className = error ? 'danger' : 'muted'
  }

  private inputError(message: string, focus: HTMLElement): void {
    this.availability.className = 'hint bad'
    this.availability.textContent = message
    focus.focus()
  }

  private setBanned(banned: boolean): void {
    this.banned = banned
    this.updateSend()
    if (banned) showNotice('You are banned from using this node.', 'error', 'banned')
  }

  private updateSend(): void {
    this.send.disabled = this.pending !== undefined || this.banned
    this.send.textContent = this.pending !== undefined ? 'Waiting…' : 'Send'
  }

  /** Model picker and the "who can answer this" line for the current mode. */
  refreshCapabilities(): void {
    const type: QueryType = this.mode === 'speech' ? 'chat' : this.mode
    const chosen = this.model.value
    const models = this.fed.models(type)
    replace(
      this.model,
      h('option', { value: '' }, models.length === 0 ? 'Automatic — any worker' : 'Automatic — best available'),
      models.map((m) => h('option', { value: m, selected: m === chosen }, m))
    )
    const cap = this.fed.capability(type)
    const realmsKnown = this.fed.snapshot.realms.state === 'ok'
    const hint = this.availability
    if (!cap.known) {
      hint.className = 'hint'
      hint.textContent = ''
    } else if (cap.workers === 0) {
      hint.className = 'hint bad'
      hint.textContent = realmsKnown
        ? `⚠ Nobody in the federation serves ${type} right now, so a ${this.mode} query would fail. Pick another mode, or add a ${type} worker (Sysop).`
        : `⚠ No worker on this node serves ${type}; a ${this.mode} query only works if a peer serves it.`
    } else {
      const where = [
        cap.localWorkers > 0 ? `${cap.localWorkers} on this node` : '',
        cap.peers > 0 ? `${cap.workers - cap.localWorkers} on ${cap.peers} peer${cap.peers === 1 ? '' : 's'}` : ''
      ]
        .filter((s) => s !== '')
        .join(', ')
      hint.className = 'hint ok'
      hint.textContent = `✓ ${cap.workers} worker${cap.workers === 1 ? '' : 's'} can answer ${type} (${where}).`
    }
    if (this.mode === 'speech' && cap.known && this.fed.capability('speech').workers === 0) {
      hint.textContent += ' No speech worker is known to transcribe recordings, so typing may be the only way in.'
    }
  }

  private wireImageInputs(): void {
    const zone = byId('image-zone')
    const file = byId<HTMLInputElement>('image-file')
    file.addEventListener('change', () => {
      const f = file.files?.[0]
      if (f !== undefined) void this.setImage(f, f.name)
      file.value = ''
    })
    byId('image-remove').addEventListener('click', () => this.removeImage())
    this.form.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return
      e.preventDefault()
      if (this.mode !== 'vision') this.setMode('vision')
      zone.classList.add('over')
    })
    this.form.addEventListener('dragleave', () => zone.classList.remove('over'))
    this.form.addEventListener('drop', (e) => {
      const f = e.dataTransfer?.files[0]
      zone.classList.remove('over')
      if (f === undefined) return
      e.preventDefault()
      void this.setImage(f, f.name)
    })
    document.addEventListener('paste', (e) => {
      if (byId('view-ask').hidden) return
      const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'))
      const f = item?.getAsFile()
      if (f === null || f === undefined) return
      e.preventDefault()
      void this.setImage(f, 'pasted image')
    })
  }

  private async setImage(file: Blob, name: string): Promise<void> {
    if (this.mode !== 'vision') this.setMode('vision')
    try {
      const picked = await prepareImage(file, name)
      this.removeImage()
      this.image = picked
      const preview = byId<HTMLImageElement>('image-preview')
      preview.src = picked.previewUrl
      preview.hidden = false
      byId('image-text').textContent = `${name} — ready. Drop, paste or choose another to replace it.`
      byId('image-remove').hidden = false
      this.refreshCapabilities()
    } catch (err) {
      this.inputError((err as Error).message, byId('image-zone'))
    }
  }

  private removeImage(): void {
    if (this.image !== undefined) URL.revokeObjectURL(this.image.previewUrl)
    this.image = undefined
    const preview = byId<HTMLImageElement>('image-preview')
    preview.hidden = true
    preview.removeAttribute('src')
    replace(byId('image-text'), h('strong', null, 'Drop an image here'), ', paste one, or')
    byId('image-remove').hidden = true
  }

  /** Put the cursor in the prompt box. */
  focusPrompt(): void {
    this.prompt.focus()
  }
}
