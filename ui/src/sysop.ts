// The sysop panel: workers add/remove, users with ban/unban and terminate,
// broadcast messages, realm create/update/delete. Shown to a sysop
// connection, or after the admin token (from `rentahal-node admin-token`) is
// presented; the token also unlocks the admin HTTP API.
import { ApiError, api, NotAvailableError } from './api.js'
import type { Connection } from './connection.js'
import { byId, type Child, h, replace } from './dom.js'
import { money, seconds, shortId } from './format.js'
import type { AdminRealms, LegacyUserInfo, LegacyWorker } from './types.js'

export const TOKEN_STORAGE_KEY = 'rentahal-admin-token'
/** The frame that presents the admin token on `/ws` (sysop rights for this connection). */
export const WS_TOKEN_FRAME = 'sysop_login'
/** How often an open sysop panel asks for fresh statistics (legacy: 30 s). */
export const STATS_INTERVAL_MS = 10_000

function table(head: string[], rows: Child[][]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', { scope: 'col' }, c))
        )
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            r.map((c) => h('td', null, c))
          )
        )
      )
    )
  )
}

function button(label: string, onClick: () => void, cls = 'linkish'): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls }, label)
  b.addEventListener('click', onClick)
  return b
}

export class SysopView {
  private isSysop = false
  private token: string | undefined = localStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined
  private tokenChecked = false
  private presenting = false
  private workers: LegacyWorker[] = []
  private users: LegacyUserInfo[] = []
  private statsTimer: ReturnType<typeof setInterval> | undefined
  private readonly tokenStatus = byId('token-status')

  constructor(
    private readonly conn: Connection,
    private readonly isVisible: () => boolean
  ) {
    conn.on('user_info', (f) => {
      this.isSysop = (f.data as LegacyUserInfo).is_sysop === true
      if (this.isSysop) this.presenting = false
      this.update()
    })
    conn.on('worker_update', (f) => {
      this.workers = (f.workers as LegacyWorker[]) ?? []
      this.renderWorkers()
    })
    conn.on('worker_health', (f) => {
      this.workers = (f.data as LegacyWorker[]) ?? []
      this.renderWorkers()
    })
    conn.on('user_stats', (f) => {
      this.users = (f.data as LegacyUserInfo[]) ?? []
      this.renderUsers()
    })
    conn.on('system_stats', (f) => {
      const d = f.data as { total_queries: number; total_processing_time: number; total_cost: number }
      byId('s-queries').textContent = String(d.total_queries)
      byId('s-time').textContent = seconds(d.total_processing_time)
      byId('s-cost').textContent = money(d.total_cost, 2)
    })
    for (const type of ['user_banned', 'user_unbanned', 'query_terminated']) conn.on(type, () => this.requestStats())
    conn.onState((state) => {
      if (state === 'open' && this.token !== undefined) this.presentOverWs()
    })

    byId('token-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const input = byId<HTMLInputElement>('token')
      void this.unlock(input.value.trim())
    })
    byId('token-forget').addEventListener('click', () => {
      localStorage.removeItem(TOKEN_STORAGE_KEY)
      this.token = undefined
      this.tokenChecked = false
      this.setTokenStatus('Token forgotten on this browser.')
      this.update()
    })
    byId('worker-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const form = e.target as HTMLFormElement
      const data = new FormData(form)
      const worker = { name: String(data.get('name')).trim(), address: String(data.get('address')).trim(), type: String(data.get('type')) }
      if (this.send({ type: 'add_worker', worker })) form.reset()
    })
    byId('broadcast-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const box = byId<HTMLTextAreaElement>('broadcast')
      const message = box.value.trim()
      if (message !== '' && this.send({ type: 'sysop_message', message })) box.value = ''
    })
    byId('realm-form').addEventListener('submit', (e) => {
      e.preventDefault()
      void this.saveRealm(e.target as HTMLFormElement)
    })
    if (this.token !== undefined) void this.unlock(this.token)
    this.update()
  }

  /** An `error` frame: the answer to presenting the token, if one is waiting. */
  claimError(message: string): boolean {
    if (!this.presenting) return false
    this.presenting = false
    if (message === 'Unknown message type') {
      this.setTokenStatus('The token works for the admin API; this node does not grant sysop rights on the live connection with it.')
    } else {
      this.setTokenStatus(`The node refused the token on the live connection: ${message}`, true)
    }
    return true
  }

  /** Called when the sysop page is shown or hidden. */
  onVisibility(): void {
    clearInterval(this.statsTimer)
    if (this.isVisible() && this.isSysop) {
      this.requestStats()
      this.statsTimer = setInterval(() => this.requestStats(), STATS_INTERVAL_MS)
    }
    if (this.isVisible() && this.tokenChecked) void this.loadRealms()
  }

  private get unlocked(): boolean {
    return this.isSysop || this.tokenChecked
  }

  private update(): void {
    byId('sysop-panel').hidden = !this.unlocked
    if (this.isSysop && !this.tokenChecked && this.tokenStatus.textContent === '') {
      this.setTokenStatus('You are sysop on this connection. Present the admin token as well to manage realms.')
    }
    byId('token-forget').hidden = this.token === undefined
    byId('realm-form').hidden = !this.tokenChecked
    const navItem = document.querySelector<HTMLElement>('nav a[data-view="sysop"]')
    if (navItem !== null) navItem.textContent = this.unlocked ? 'Sysop ✓' : 'Sysop'
    this.onVisibility()
    this.renderWorkers()
  }

  private async unlock(token: string): Promise<void> {
    if (token === '') {
      this.setTokenStatus('Paste the admin token first.', true)
      return
    }
    this.setTokenStatus('Checking the token…')
    try {
      await api<AdminRealms>('/api/admin/realms', { token })
    } catch (err) {
      if (err instanceof NotAvailableError) {
        this.setTokenStatus('This node has no admin API yet, so it cannot check a token. (On a fresh node, the first user on the same machine is sysop.)', true)
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.setTokenStatus('That token is not right for this node. Copy it again from `rentahal-node admin-token`.', true)
        if (token === this.token) localStorage.removeItem(TOKEN_STORAGE_KEY)
      } else {
        this.setTokenStatus(`Could not check the token: ${(err as Error).message}`, true)
      }
      return
    }
    this.token = token
    this.tokenChecked = true
    localStorage.setItem(TOKEN_STORAGE_KEY, token)
    byId<HTMLInputElement>('token').value = ''
    this.setTokenStatus('Unlocked. The token is remembered on this browser until you forget it.')
    this.presentOverWs()
    this.update()
  }

  private presentOverWs(): void {
    if (this.token === undefined || this.isSysop) return
    this.presenting = this.conn.send({ type: WS_TOKEN_FRAME, token: this.token })
  }

  private send(frame: object): boolean {
    if (!this.isSysop) {
      this.setTokenStatus('This needs sysop rights on the live connection; present the admin token.', true)
      return false
    }
    const sent = this.conn.send(frame)
    // Fresh user and worker lists after every action.
    if (sent) this.requestStats()
    return sent
  }

  private requestStats(): void {
    if (this.isSysop) this.conn.send({ type: 'get_stats' })
  }

  private renderWorkers(): void {
    const el = byId('sys-workers')
    if (this.workers.length === 0) {
      replace(el, h('p', { class: 'empty' }, 'No workers. Add one below: a name, its host:port, and what it does.'))
      return
    }
    replace(
      el,
      table(
        ['Name', 'Address', 'Type', 'Health', ''],
        this.workers.map((w) => [
          w.name,
          h('span', { class: 'mono' }, w.address),
          w.type,
          w.is_blacklisted ? h('span', { class: 'tag bad' }, 'blacklisted') : String(Math.round(w.health_score)),
          button(
            'Remove',
            () => {
              if (confirm(`Remove worker ${w.name}?`)) this.send({ type: 'remove_worker', worker_name: w.name })
            },
            'linkish danger'
          )
        ])
      )
    )
  }

  private renderUsers(): void {
    const el = byId('sys-users')
    if (this.users.length === 0) {
      replace(el, h('p', { class: 'empty' }, this.isSysop ? 'No users yet.' : 'Needs sysop rights on the live connection.'))
      return
    }
    replace(
      el,
      table(
        ['User', 'Queries', 'Cost', 'Status', 'Actions'],
        this.users.map((u) => [
          h('span', { title: u.guid }, u.nickname, u.is_sysop ? ' (sysop)' : '', h('br'), h('span', { class: 'mono muted' }, shortId(u.guid))),
          String(u.query_count),
          money(u.total_cost, 2),
          u.is_banned ? h('span', { class: 'tag bad' }, 'banned') : 'ok',
          h(
            'span',
            null,
            u.is_banned
              ? button('Unban', () => this.send({ type: 'unban_user', user_guid: u.guid }))
              : button(
                  'Ban',
                  () => confirm(`Ban ${u.nickname}? Their open pages are disconnected.`) && this.send({ type: 'ban_user', user_guid: u.guid }),
                  'linkish danger'
                ),
            ' ',
            button('Terminate queries', () => confirm(`Cancel every query of ${u.nickname}?`) && this.send({ type: 'terminate_query', user_guid: u.guid }))
          )
        ])
      )
    )
  }

  private async loadRealms(): Promise<void> {
    const el = byId('sys-realms')
    if (this.token === undefined) return
    try {
      const { realms } = await api<AdminRealms>('/api/admin/realms', { token: this.token })
      replace(
        el,
        table(
          ['Realm', 'Query type', 'Workers', ''],
          realms.map((r) => [
            r.name,
            r.primary_query_type,
            Array.isArray(r.workers) ? String(r.workers.length) : String(r.workers ?? '–'),
            button('Delete', () => void this.deleteRealm(r.name), 'linkish danger')
          ])
        )
      )
    } catch (err) {
      replace(
        el,
        h('p', { class: 'danger' }, err instanceof NotAvailableError ? 'Realm administration is not available on this node.' : (err as Error).message)
      )
    }
  }

  private async saveRealm(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form)
    const name = String(data.get('name')).trim()
    const primary = String(data.get('primary_query_type'))
    let config: unknown
    try {
      config = JSON.parse(String(data.get('config') || '{}'))
    } catch {
      this.setRealmStatus('Config must be JSON, e.g. {"max_workers": 3}', true)
      return
    }
    const exists = [...byId('sys-realms').querySelectorAll('td:first-child')].some((td) => td.textContent === name)
    try {
      if (exists)
        await api(`/api/admin/realms/${encodeURIComponent(name)}`, { method: 'PUT', token: this.token, body: { config, primary_query_type: primary } })
      else await api('/api/admin/realms', { method: 'POST', token: this.token, body: { name, primary_query_type: primary, config } })
      this.setRealmStatus(exists ? `Realm ${name} updated.` : `Realm ${name} created.`)
      form.reset()
    } catch (err) {
      this.setRealmStatus((err as Error).message, true)
    }
    await this.loadRealms()
  }

  private async deleteRealm(name: string): Promise<void> {
    if (!confirm(`Delete realm ${name}?`)) return
    try {
      await api(`/api/admin/realms/${encodeURIComponent(name)}`, { method: 'DELETE', token: this.token })
      this.setRealmStatus(`Realm ${name} deleted.`)
    } catch (err) {
      this.setRealmStatus((err as Error).message, true)
    }
    await this.loadRealms()
  }

  private setTokenStatus(text: string, error = false): void {
    this.tokenStatus.textContent = text
    this.tokenStatus.className = error ? 'small danger' : 'small muted'
  }

  private setRealmStatus(text: string, error = false): void {
    const el = byId('realm-status')
    el.textContent = text
    el.className = error ? 'small danger' : 'small muted'
  }
}
