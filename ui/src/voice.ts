// Speech: record from the microphone → `speech_to_text` → the transcript is
// asked as a question; answers spoken through the node's `text_to_speech`,
// or by the browser when the node cannot.
import type { Connection } from './connection.js'
import { byId } from './dom.js'
import { blobToBase64, Recorder } from './media.js'

/** Longest text sent for speech synthesis. */
export const MAX_SPOKEN_CHARS = 4_000
const UNKNOWN_TYPE = 'Unknown message type'

export interface VoiceHooks {
  /** About to record: switch to speech mode. */
  onRecording(): void
  /** What the node heard. */
  onTranscript(text: string): void
}

export class Voice {
  private readonly recorder = new Recorder()
  private readonly button = byId<HTMLButtonElement>('record')
  private readonly status = byId('record-status')
  /** Waiting for `transcription_result`. */
  private transcribing = false
  /** Text sent to the node for speech synthesis, read by the browser if the node cannot. */
  private speaking: string | undefined

  constructor(
    private readonly conn: Connection,
    private readonly hooks: VoiceHooks
  ) {
    this.button.addEventListener('click', () => void this.toggleRecording())
    conn.on('transcription_result', (f) => this.onTranscription(String(f.text ?? '')))
    conn.on('speech_result', (f) => {
      this.speaking = undefined
      void new Audio(`data:audio/wav;base64,${String(f.audio)}`).play().catch(() => undefined)
    })
    conn.onState((state) => {
      if (state !== 'open') this.transcribing = false
    })
  }

  /** Start or stop recording (Ctrl/Cmd+Shift+V); stopping sends the recording for transcription. */
  async toggleRecording(): Promise<void> {
    this.hooks.onRecording()
    if (this.recorder.recording) {
      const audio = await this.recorder.stop()
      this.button.setAttribute('aria-pressed', 'false')
      this.button.textContent = 'Start recording'
      if (!this.conn.send({ type: 'speech_to_text', audio: await blobToBase64(audio) })) {
        this.setStatus('Not connected to the node; try again once connected.', true)
        return
      }
      this.transcribing = true
      this.setStatus('Transcribing…')
      return
    }
    try {
      await this.recorder.start()
    } catch (err) {
      this.setStatus((err as Error).message, true)
      return
    }
    this.button.setAttribute('aria-pressed', 'true')
    this.button.textContent = 'Stop and send'
    this.setStatus('Recording… press again to stop and send.')
  }

  /** Stop recording if it is on (Esc). */
  stopRecording(): void {
    if (this.recorder.recording) void this.toggleRecording()
  }

  /** Read an answer aloud. */
  speak(text: string): void {
    const spoken = text.slice(0, MAX_SPOKEN_CHARS)
    if (this.conn.send({ type: 'text_to_speech', text: spoken })) this.speaking = spoken
    else this.browserSpeak(spoken)
  }

  /** Stop any speech in progress. */
  hush(): void {
    if (typeof speechSynthesis !== 'undefined') speechSynthesis.cancel()
  }

  /** An `error` frame no query claimed: is it about transcription or speech? */
  takeError(message: string): boolean {
    if (this.transcribing) {
      this.transcribing = false
      this.setStatus(message === UNKNOWN_TYPE ? 'This node cannot transcribe speech (no speech-to-text).' : `Transcription failed: ${message}`, true)
      return true
    }
    if (this.speaking !== undefined) {
      // No speech synthesis on the node: let the browser read it.
      this.browserSpeak(this.speaking)
      this.speaking = undefined
      return true
    }
    return false
  }

  private browserSpeak(text: string): void {
    if (typeof speechSynthesis === 'undefined') return
    speechSynthesis.cancel()
    speechSynthesis.speak(new SpeechSynthesisUtterance(text))
  }

  private onTranscription(text: string): void {
    if (!this.transcribing) return
    this.transcribing = false
    if (text.trim() === '') {
      this.setStatus('Nothing was heard; try again closer to the microphone.', true)
      return
    }
    this.setStatus(`Heard: “${text}”`)
    this.hooks.onTranscript(text)
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text
    this.status.className = error ? 'danger' : 'muted'
  }
}
