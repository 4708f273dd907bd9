// The node's own browser UI. Talks to the node only over `/ws` (legacy
// protocol) and its HTTP API, both same-origin; no external resources.
import { AskView } from './ask.js'
import { Connection, type ConnectionState } from './connection.js'
import { byId } from './dom.js'
import { FederationData } from './federation-data.js'
import { FederationView } from './federation-view.js'
import { MeView } from './me.js'
import { clearNotice, showNotice } from './notices.js'
import { installShortcuts } from './shortcuts.js'
import { SysopView } from './sysop.js'

const VIEWS = ['ask', 'me', 'federation', 'sysop'] as const
type View = (typeof VIEWS)[number]

/** Legacy cookie: one year, whole site. */
const COOKIE_MAX_AGE_S = 31_536_000

function currentView(): View {
  const name = location.hash.slice(1)
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'ask'
}

function start(): void {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
  const conn = new Connection(wsUrl)
  const fed = new FederationData()
  const me = new MeView(conn)
  const ask = new AskView(conn, fed, {
    onAnswered: (out) => {
      me.addAnswer(out)
      void fed.refresh()
    },
    guid: () => me.user?.guid
  })
  new FederationView(fed)
  const sysop = new SysopView(conn, () => currentView() === 'sysop')

  // Identity: the node mints the legacy `user_guid` cookie on first contact.
  conn.on('set_cookie', (f) => {
    if (f.name === 'user_guid' && typeof f.value === 'string') {
      // biome-ignore lint/suspicious/noDocumentCookie: the legacy protocol has the page set its own user_guid cookie, read by the node at the next /ws handshake
      document.cookie = `user_guid=${encodeURIComponent(f.value)}; path=/; max-age=${COOKIE_MAX_AGE_S}; SameSite=Strict`
    }
  })
  // Greeting messages come during the handshake (ending with huggingface_update); later ones are broadcasts.
  let greeting: string[] | undefined
  conn.onState((s) => {
    if (s === 'open') greeting = []
  })
  conn.on('huggingface_update', () => {
    if (greeting !== undefined) me.setGreeting(greeting)
    greeting = undefined
  })
  conn.on('sysop_message', (f) => {
    const text = String(f.message ?? '')
    if (greeting !== undefined) {
      greeting.push(text)
      return
    }
    me.addNodeMessage(text)
    showNotice(text, /^WARNING/.test(text) ? 'error' : 'info')
  })
  // Legacy errors carry no request id: whoever is waiting for an answer claims it, in this order.
  conn.on('error', (f) => {
    const message = String(f.message ?? 'Unknown error')
    for (const claim of [me, sysop, ask]) if (claim.claimError(message)) return
    showNotice(message, 'error', `error:${message}`)
  })

  const pill = byId('conn')
  const retry = byId<HTMLButtonElement>('conn-retry')
  let countdown: ReturnType<typeof setInterval> | undefined
  const showState = (state: ConnectionState): void => {
    clearInterval(countdown)
    pill.dataset.state = state
    retry.hidden = state !== 'waiting'
    if (state === 'open') {
      pill.textContent = 'Connected'
      clearNotice('connection')
      clearNotice('not-connected')
      void fed.refresh()
    } else if (state === 'connecting') {
      pill.textContent = 'Connecting…'
    } else {
      const tick = (): void => {
        pill.textContent = `Reconnecting in ${Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000))} s`
      }
      tick()
      countdown = setInterval(tick, 1_000)
    }
  }
  conn.onState(showState)
  conn.onState((state) => {
    if (state === 'waiting') showNotice('Lost the connection to the node. Reconnecting by itself…', 'error', 'connection')
  })
  retry.addEventListener('click', () => conn.retryNow())

  const showView = (focus: boolean): void => {
    const view = currentView()
    for (const name of VIEWS) byId(`view-${name}`).hidden = name !== view
    for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
      if (link.dataset.view === view) link.setAttribute('aria-current', 'page')
      else link.removeAttribute('aria-current')
    }
    fed.fast = view === 'federation'
    if (view === 'federation') void fed.refresh()
    sysop.onVisibility()
    if (focus) (view === 'ask' ? byId('prompt') : byId(`view-${view}`).querySelector<HTMLElement>('h1'))?.focus()
  }
  window.addEventListener('hashchange', () => showView(true))

  installShortcuts({
    submit: () => {
      if (currentView() === 'ask') ask.submit()
    },
    clear: () => ask.clear(),
    toggleRecording: () => {
      if (currentView() !== 'ask') location.hash = '#ask'
      void ask.toggleRecording()
    },
    toggleSpeak: () => ask.toggleSpeak(),
    stopRecording: () => ask.stopRecording()
  })

  showView(false)
  fed.start()
  conn.connect()
}

start()
