// The Ask form: chat, vision (image drop/paste/pick, chunked upload),
// imagine and speech (record → transcription → query, spoken answers), and
// the answers list. One query at a time: legacy frames carry no query id,
// so results are matched to the one query in flight.
import { AnswerCard, type AnswerResult, explainError } from './answers.js'
import { availabilityHint, fillModelPicker } from './availability.js'
import type { Connection, Frame } from './connection.js'
import { announce, byId, h, replace } from './dom.js'
import type { FederationData } from './federation-data.js'
import { ImagePicker } from './image-picker.js'
import { blobToBase64 } from './media.js'
import { clearNotice, showNotice } from './notices.js'
import type { QueryType, ServedBy } from './types.js'
import { Voice } from './voice.js'

/** Legacy client slice size for `vision_chunk`: 1 MiB of base64 text. */
export const VISION_CHUNK_CHARS = 1024 * 1024
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
  private banned = false
  private readonly form = byId<HTMLFormElement>('ask-form')
  private readonly prompt = byId<HTMLTextAreaElement>('prompt')
  private readonly model = byId<HTMLSelectElement>('model')
  private readonly send = byId<HTMLButtonElement>('send')
  private readonly answers = byId('answers')
  private readonly availability = byId('availability')
  private readonly speak = byId<HTMLInputElement>('speak')
  private readonly picker: ImagePicker
  private readonly voice: Voice

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
    this.picker = new ImagePicker(this.form, {
      onIncoming: () => this.mode !== 'vision' && this.setMode('vision'),
      onRejected: (message) => this.inputError(message, this.picker.zone),
      isActive: () => !byId('view-ask').hidden
    })
    this.voice = new Voice(conn, {
      onRecording: () => this.mode !== 'speech' && this.setMode('speech'),
      onTranscript: (text) => {
        this.prompt.value = text
        this.submit()
      }
    })
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
    conn.on('query_terminated', (f) => {
      if (f.guid === this.events.guid() && this.pending !== undefined) this.failPending('Your query was terminated by a sysop.')
    })
    conn.on('user_info', (f) => this.setBanned((f.data as { is_banned?: boolean } | undefined)?.is_banned === true))
    conn.on('user_banned', (f) => f.guid === this.events.guid() && this.setBanned(true))
    conn.on('user_unbanned', (f) => f.guid === this.events.guid() && this.setBanned(false))
    conn.onState((state) => {
      if (state !== 'open' && this.pending !== undefined) {
        const { query, image } = this.pending
        this.failPending('The connection to the node was lost, so this query was cancelled.', () => this.start(query, image))
      }
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
      if (this.picker.image === undefined) {
        this.inputError('Add an image first: drop it on the box, paste it, or choose a file.', this.picker.zone)
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
        if (this.picker.image === undefined) throw new Error('The image is gone; pick it again.')
        p.image = await blobToBase64(this.picker.image.blob)
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
      if (this.pending === p) this.failPending(explainError((err as Error).message, 'vision'), () => this.start(p.query, p.image))
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
    if (p.speak && out.result_type === 'text') this.voice.speak(out.result)
  }

  /** An `error` frame: the answer to the query in flight, or to a transcription or speech request. */
  claimError(message: string): boolean {
    // The node's reason for closing a banned user's socket; the ban notice already says it.
    if (this.banned && /banned/i.test(message)) return true
    const p = this.pending
    if (p?.ack !== undefined) {
      p.ack.reject(new Error(message))
      p.ack = undefined
      return true
    }
    if (p !== undefined) {
      this.failPending(explainError(message, p.query.query_type), () => this.start(p.query, p.image))
      return true
    }
    return this.voice.takeError(message)
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

  /** Remove finished answers (Ctrl/Cmd+L). */
  clear(): void {
    for (const card of this.answers.querySelectorAll('.answer:not([aria-busy="true"])')) card.remove()
    if (this.answers.children.length === 0) replace(this.answers, h('p', { class: 'empty' }, 'Cleared. New answers appear here.'))
    this.voice.hush()
  }

  setMode(mode: QueryType): void {
    this.mode = mode
    const radio = this.form.querySelector<HTMLInputElement>(`input[name="mode"][value="${mode}"]`)
    if (radio !== null) radio.checked = true
    this.picker.zone.hidden = mode !== 'vision'
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
  toggleRecording(): Promise<void> {
    return this.voice.toggleRecording()
  }

  /** Stop recording if it is on (Esc). */
  stopRecording(): void {
    this.voice.stopRecording()
  }

  private inputError(message: string, focus: HTMLElement): void {
    this.availability.className = 'hint bad'
    this.availability.textContent = message
    focus.focus()
  }

  private setBanned(banned: boolean): void {
    if (banned === this.banned) return
    this.banned = banned
    this.updateSend()
    if (banned) showNotice('You are banned from using this node.', 'error', 'banned')
    else clearNotice('banned')
  }

  private updateSend(): void {
    this.send.disabled = this.pending !== undefined || this.banned
    this.send.textContent = this.pending !== undefined ? 'Waiting…' : 'Send'
  }

  /** Model picker and the "who can answer this" line for the current mode. */
  refreshCapabilities(): void {
    const type: QueryType = this.mode === 'speech' ? 'chat' : this.mode
    fillModelPicker(this.model, this.fed.models(type))
    const { text, tone } = availabilityHint(this.fed, this.mode)
    this.availability.className = tone === '' ? 'hint' : `hint ${tone}`
    this.availability.textContent = text
  }
}
