// The legacy client's keyboard shortcuts (Ctrl on Windows/Linux, Cmd on macOS).

export interface Shortcut {
  keys: string[]
  what: string
}

const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl'

export const SHORTCUTS: Shortcut[] = [
  { keys: [MOD, 'Enter'], what: 'Send the question' },
  { keys: [MOD, 'L'], what: 'Clear the answers' },
  { keys: [MOD, 'Shift', 'V'], what: 'Start or stop voice recording' },
  { keys: [MOD, 'Shift', 'S'], what: 'Speak answers aloud on or off' },
  { keys: ['Esc'], what: 'Stop recording' }
]

export interface ShortcutActions {
  submit(): void
  clear(): void
  toggleRecording(): void
  toggleSpeak(): void
  stopRecording(): void
}

export function installShortcuts(actions: ShortcutActions): void {
  document.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey
    const key = e.key.toLowerCase()
    if (mod && !e.shiftKey && key === 'enter') {
      e.preventDefault()
      actions.submit()
    } else if (mod && !e.shiftKey && key === 'l') {
      e.preventDefault()
      actions.clear()
    } else if (mod && e.shiftKey && key === 'v') {
      e.preventDefault()
      actions.toggleRecording()
    } else if (mod && e.shiftKey && key === 's') {
      e.preventDefault()
      actions.toggleSpeak()
    } else if (key === 'escape') {
      actions.stopRecording()
    }
  })
}
