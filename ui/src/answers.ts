// One card per query: the question, where it stands (uploading, queued at
// position N, served by whom), the answer as it streams in, then time and cost.
import { announce, h, replace } from './dom.js'
import { money, richText, roughDuration, seconds, shortId } from './format.js'
import type { ServedBy } from './types.js'

export interface AnswerResult {
  result: string
  result_type: 'text' | 'image' | 'audio'
  processing_time: number
  cost: number
}

/** Turn the node's error text into something a user can act on. */
export function explainError(message: string, queryType: string): string {
  if (/no worker|no available worker|serves? (this|no)|not served|no route/i.test(message)) {
    return `Nobody in the federation can answer ${queryType} queries right now. Try another mode, or ask the node's operator to add a ${queryType} worker. (${message})`
  }
  if (/queue is full/i.test(message)) return `The queue is full right now; please try again in a little while. (${message})`
  return message
}

export class AnswerCard {
  readonly el: HTMLElement
  private readonly state: HTMLElement
  private readonly body: HTMLElement
  private readonly footer: HTMLElement
  private text = ''
  private servedBy = ''
  private frame = 0

  constructor(
    readonly queryType: string,
    readonly prompt: string,
    model: string
  ) {
    this.state = h('p', { class: 'state' }, 'Sending…')
    this.body = h('div', { class: 'body' })
    this.footer = h('footer')
    this.el = h(
      'article',
      { class: 'answer', 'aria-busy': 'true', 'data-query-type': queryType },
      h(
        'header',
        null,
        h('span', { class: 'badge' }, queryType),
        h('span', { class: 'q' }, prompt || '(no text)'),
        model === '' ? null : h('span', { class: 'muted small' }, model)
      ),
      this.state,
      this.body,
      this.footer
    )
  }

  setState(text: string, progress?: number): void {
    this.state.className = 'state'
    if (progress === undefined) {
      replace(this.state, text)
    } else {
      const bar = h('div')
      bar.style.width = `${Math.round(progress * 100)}%`
      replace(
        this.state,
        text,
        h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': Math.round(progress * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar)
      )
    }
  }

  setPosition(position: number, waitMs: number | undefined): void {
    if (this.text !== '') return
    const wait = waitMs === undefined ? 'estimating the wait…' : `estimated wait ${roughDuration(waitMs)}`
    this.setState(position <= 1 ? `Next in line — ${wait}` : `Position ${position} in the queue — ${wait}`)
  }

  setServing(servedBy: ServedBy): void {
    const where = servedBy.peerId === undefined ? 'on this node' : `on peer ${shortId(servedBy.peerId)}`
    this.servedBy = `${servedBy.worker} (${servedBy.realm}) ${where}`
    this.setState(`Answering: ${this.servedBy}`)
  }

  appendText(chunk: string): void {
    this.text += chunk
    if (this.frame !== 0) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      replace(this.body, richText(this.text))
    })
  }

  finish(out: AnswerResult): void {
    cancelAnimationFrame(this.frame)
    this.frame = 0
    this.el.setAttribute('aria-busy', 'false')
    this.el.classList.add('done')
    if (out.result_type === 'image') {
      const src = `data:image/png;base64,${out.result}`
      replace(
        this.body,
        h('img', { src, alt: `Image generated for: ${this.prompt}` }),
        h('p', null, h('a', { href: src, download: `rentahal-${Date.now()}.png`, class: 'button' }, 'Download image'))
      )
    } else if (out.result_type === 'audio') {
      replace(this.body, h('audio', { controls: true, src: `data:audio/wav;base64,${out.result}` }))
    } else {
      this.text = out.result
      replace(this.body, richText(out.result))
    }
    this.setState(this.servedBy === '' ? 'Answered' : `Answered by ${this.servedBy}`)
    replace(this.footer, h('span', { 'data-k': 'time' }, `Time ${seconds(out.processing_time)}`), h('span', { 'data-k': 'cost' }, `Cost ${money(out.cost)}`))
    announce('Answer ready')
  }

  /** The query failed or was cancelled; `retry` offers to send it again. */
  fail(message: string, retry?: () => void): void {
    cancelAnimationFrame(this.frame)
    this.el.setAttribute('aria-busy', 'false')
    this.el.classList.add('failed')
    this.state.className = 'state error'
    replace(this.state, message)
    this.state.setAttribute('role', 'alert')
    if (retry !== undefined) {
      const again = h('button', { type: 'button', class: 'button' }, 'Try again')
      again.addEventListener('click', () => {
        again.remove()
        retry()
      })
      this.footer.replaceChildren(again)
    }
  }
}
