// What the federation can do for the chosen mode: the model picker's
// choices and a line saying who can answer (or that nobody can).
import { h, replace } from './dom.js'
import type { FederationData } from './federation-data.js'
import type { QueryType } from './types.js'

/** Every model any provider serves, keeping the user's choice when it is still there. */
export function fillModelPicker(select: HTMLSelectElement, models: string[]): void {
  const chosen = select.value
  replace(
    select,
    h('option', { value: '' }, models.length === 0 ? 'Automatic — any worker' : 'Automatic — best available'),
    models.map((m) => h('option', { value: m, selected: m === chosen }, m))
  )
}

export interface Hint {
  text: string
  tone: '' | 'ok' | 'bad'
}

/** Speech mode asks its transcript as a chat query. */
export function availabilityHint(fed: FederationData, mode: QueryType): Hint {
  const type: QueryType = mode === 'speech' ? 'chat' : mode
  const cap = fed.capability(type)
  if (!cap.known) return { text: '', tone: '' }
  let hint: Hint
  if (cap.workers === 0) {
    hint = {
      tone: 'bad',
      text:
        fed.snapshot.realms.state === 'ok'
          ? `⚠ Nobody in the federation serves ${type} right now, so a ${mode} query would fail. Pick another mode, or add a ${type} worker (Sysop).`
          : `⚠ No worker on this node serves ${type}; a ${mode} query only works if a peer serves it.`
    }
  } else {
    const where = [
      cap.localWorkers > 0 ? `${cap.localWorkers} on this node` : '',
      cap.peers > 0 ? `${cap.workers - cap.localWorkers} on ${cap.peers} peer${cap.peers === 1 ? '' : 's'}` : ''
    ]
      .filter((s) => s !== '')
      .join(', ')
    hint = { tone: 'ok', text: `✓ ${cap.workers} worker${cap.workers === 1 ? '' : 's'} can answer ${type} (${where}).` }
  }
  if (mode === 'speech' && fed.capability('speech').workers === 0) {
    hint.text += ' No speech worker is known to transcribe recordings, so typing may be the only way in.'
  }
  return hint
}
