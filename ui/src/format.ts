import { h } from './dom.js'

export const seconds = (s: number): string => `${s.toFixed(2)} s`
export const money = (n: number, digits = 4): string => `$${n.toFixed(digits)}`

/** `12D3KooW…a1b2c3` */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/** "about 12 s", "about 3 min" */
export function roughDuration(ms: number): string {
  if (ms < 1_000) return 'under a second'
  if (ms < 90_000) return `about ${Math.round(ms / 1000)} s`
  return `about ${Math.round(ms / 60_000)} min`
}

export function ago(ms: number): string {
  if (ms < 2_000) return 'just now'
  if (ms < 120_000) return `${Math.round(ms / 1000)} s ago`
  return `${Math.round(ms / 60_000)} min ago`
}

/** Inline `code` spans inside one paragraph. */
function inline(text: string): Array<Node | string> {
  const out: Array<Node | string> = []
  const parts = text.split(/(`[^`\n]+`)/)
  for (const part of parts) {
    if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) out.push(h('code', null, part.slice(1, -1)))
    else if (part !== '') out.push(part)
  }
  return out
}

function codeBlock(code: string, lang: string): HTMLElement {
  const copy = h('button', { type: 'button', title: 'Copy the code' }, 'Copy')
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(code).then(
      () => {
        copy.textContent = 'Copied'
      },
      () => {
        copy.textContent = 'Copy failed'
      }
    )
  })
  return h(
    'figure',
    { class: 'code' },
    h('figcaption', null, h('span', null, lang || 'code'), copy),
    h('pre', null, h('code', { 'data-lang': lang || null }, code))
  )
}

/**
 * Text answer → paragraphs and formatted code blocks (``` fences). An
 * unclosed fence (still streaming) renders as code up to the end.
 */
export function richText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment()
  const fence = /^```([\w+#.-]*)[^\n]*\n?/gm
  let pos = 0
  for (;;) {
    fence.lastIndex = pos
    const open = fence.exec(text)
    const prose = text.slice(pos, open === null ? text.length : open.index)
    for (const para of prose.split(/\n{2,}/)) {
      const trimmed = para.replace(/^\n+|\n+$/g, '')
      if (trimmed !== '') frag.appendChild(h('p', null, ...inline(trimmed)))
    }
    if (open === null) break
    const start = open.index + open[0].length
    const close = /^```[ \t]*$/m
    const rest = text.slice(start)
    const end = close.exec(rest)
    const code = end === null ? rest : rest.slice(0, end.index)
    frag.appendChild(codeBlock(code.replace(/\n$/, ''), open[1] ?? ''))
    if (end === null) break
    pos = start + end.index + end[0].length
  }
  return frag
}
