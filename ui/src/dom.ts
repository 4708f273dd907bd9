// A few DOM helpers so views build elements without innerHTML (no injection
// from answers, nicknames or peer data).

export type Child = Node | string | number | null | undefined | false
type AttrValue = string | number | boolean | null | undefined | EventListener

/** Create an element; `on…` attributes become listeners, `false`/`null` ones are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, AttrValue> | null,
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === 'function') el.addEventListener(key.slice(2), value)
    else if (key === 'class') el.className = String(value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  append(el, ...children)
  return el
}

export function append(parent: Node, ...children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replace an element's children. */
export function replace(parent: Element, ...children: Array<Child | Child[]>): void {
  parent.replaceChildren()
  append(parent, ...children)
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`missing #${id}`)
  return el as T
}

/** Tell screen-reader users something without moving focus. */
export function announce(text: string): void {
  const live = document.getElementById('live')
  if (live !== null) live.textContent = text
}
