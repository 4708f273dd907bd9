// Me: nickname, totals, history, node messages and the keyboard shortcuts.
import type { AnswerResult } from './answers.js'
import type { Connection } from './connection.js'
import { byId, h, replace } from './dom.js'
import { money, seconds } from './format.js'
import { SHORTCUTS } from './shortcuts.js'
import type { LegacyQueryRecord, LegacyUserInfo } from './types.js'

/** Node messages kept on the Me page. */
export const MAX_NODE_MESSAGES = 20

export class MeView {
  user: LegacyUserInfo | undefined
  private readonly nickStatus = byId('nick-status')

  private nickPending = false

  constructor(private readonly conn: Connection) {
    byId('nick-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const nickname = byId<HTMLInputElement>('nickname').value.trim()
      if (nickname === '') {
        this.setNickStatus('Type a nickname first.', true)
        return
      }
      if (!conn.send({ type: 'set_nickname', nickname })) {
        this.setNickStatus('Not connected to the node; try again in a moment.', true)
        return
      }
      this.setNickStatus('Saving…')
      this.nickPending = true
    })
    conn.on('user_info', (f) => {
      const user = f.data as LegacyUserInfo
      if (this.nickPending) this.setNickStatus(`Saved. You are now “${user.nickname}”.`)
      this.nickPending = false
      this.setUser(user)
    })
    conn.on('previous_queries', (f) => this.renderHistory((f.data as LegacyQueryRecord[]) ?? []))
    replace(
      byId('shortcuts'),
      SHORTCUTS.flatMap((s) => [h('dt', null, ...s.keys.flatMap((k, i) => [i === 0 ? '' : '+', h('kbd', null, k)])), h('dd', null, s.what)])
    )
  }

  /** An `error` frame: the answer to a nickname change, if one is waiting. */
  claimError(message: string): boolean {
    if (!this.nickPending) return false
    this.nickPending = false
    this.setNickStatus(message, true)
    return true
  }

  setUser(user: LegacyUserInfo): void {
    this.user = user
    const input = byId<HTMLInputElement>('nickname')
    if (document.activeElement !== input) input.value = user.nickname
    byId('guid').textContent = user.guid
    this.renderTotals()
  }

  /** A query was answered: count it until the node sends fresh totals. */
  addAnswer(out: AnswerResult): void {
    if (this.user === undefined) return
    this.user = {
      ...this.user,
      query_count: this.user.query_count + 1,
      total_query_time: this.user.total_query_time + out.processing_time,
      total_cost: this.user.total_cost + out.cost
    }
    this.renderTotals()
    this.conn.send({ type: 'get_previous_queries' })
  }

  /** A broadcast or warning from the node (newest first). */
  addNodeMessage(text: string): void {
    const list = byId('node-messages')
    list.querySelector('.empty')?.remove()
    list.prepend(h('div', { class: 'node-message' }, h('span', { class: 'muted' }, new Date().toLocaleTimeString()), ' ', text))
    while (list.children.length > MAX_NODE_MESSAGES) list.lastElementChild?.remove()
  }

  /** The summary the node sends at each connect (replaces the previous one). */
  setGreeting(lines: string[]): void {
    replace(
      byId('node-summary'),
      lines.map((text) => h('div', { class: 'node-message' }, text))
    )
  }

  private renderTotals(): void {
    const u = this.user
    if (u === undefined) return
    byId('t-count').textContent = String(u.query_count)
    byId('t-time').textContent = seconds(u.total_query_time)
    byId('t-cost').textContent = money(u.total_cost, 2)
  }

  private renderHistory(records: LegacyQueryRecord[]): void {
    const list = byId('history')
    if (records.length === 0) {
      replace(list, h('p', { class: 'empty' }, 'No queries yet.'))
      return
    }
    replace(
      list,
      records.map((q) =>
        h(
          'div',
          { class: 'history-item' },
          h('div', null, h('span', { class: 'badge' }, q.query_type), ' ', q.prompt),
          h(
            'div',
            { class: 'meta' },
            `${new Date(q.timestamp).toLocaleString()} · ${seconds(q.processing_time)} · ${money(q.cost)}${q.model_name ? ` · ${q.model_name}` : ''}`
          )
        )
      )
    )
  }

  private setNickStatus(text: string, error = false): void {
    this.nickStatus.textContent = text
    this.nickStatus.className = error ? 'small danger' : 'small muted'
  }
}
