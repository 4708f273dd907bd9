// Banners above the page: sysop broadcasts, node warnings, errors that
// belong to no particular query.
import { byId, h } from './dom.js'

export type NoticeKind = 'info' | 'error'

/** Keep at most this many banners; older ones go first. */
export const MAX_NOTICES = 4

export function showNotice(text: string, kind: NoticeKind = 'info', key?: string): HTMLElement {
  const area = byId('notices')
  if (key !== undefined) area.querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove()
  const close = h('button', { type: 'button', class: 'linkish', 'aria-label': 'Dismiss' }, 'Dismiss')
  const el = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-key': key ?? null }, h('p', null, text), close)
  close.addEventListener('click', () => el.remove())
  area.appendChild(el)
  while (area.children.length > MAX_NOTICES) area.firstElementChild?.remove()
  return el
}

export function clearNotice(key: string): void {
  byId('notices')
    .querySelector(`[data-key="${CSS.escape(key)}"]`)
    ?.remove()
}
