// Images picked, dropped or pasted, and audio from the microphone, as base64.

/** Images above this many bytes (or side length) are scaled down before upload. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024
export const MAX_IMAGE_SIDE = 2048

export function blobToBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const url = String(reader.result)
      resolve(url.slice(url.indexOf(',') + 1))
    }
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'))
    reader.readAsDataURL(blob)
  })
}

/** An image ready to send: small enough, with a preview URL. */
export interface PickedImage {
  blob: Blob
  name: string
  previewUrl: string
}

/** Check and, when too large, scale down an image (JPEG) so it fits the node's limits. */
export async function prepareImage(file: Blob, name: string): Promise<PickedImage> {
  if (!file.type.startsWith('image/')) throw new Error(`${name} is not an image`)
  let blob = file
  let bitmap: ImageBitmap | undefined
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    throw new Error(`${name} could not be read as an image`)
  }
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(bitmap.width, bitmap.height))
  if (file.size > MAX_UPLOAD_BYTES || scale < 1) {
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bitmap.width * scale)
    canvas.height = Math.round(bitmap.height * scale)
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b === null ? reject(new Error('could not scale the image')) : resolve(b)), 'image/jpeg', 0.85)
    )
  }
  bitmap.close()
  return { blob, name, previewUrl: URL.createObjectURL(blob) }
}

/** Records from the microphone until stopped. */
export class Recorder {
  private recorder: MediaRecorder | undefined
  private chunks: Blob[] = []
  private stream: MediaStream | undefined

  get recording(): boolean {
    return this.recorder?.state === 'recording'
  }

  async start(): Promise<void> {
    if (navigator.mediaDevices?.getUserMedia === undefined || typeof MediaRecorder === 'undefined') {
      throw new Error('This browser cannot record audio here (it needs a secure page: localhost or https).')
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch (err) {
      const name = (err as Error).name
      throw new Error(name === 'NotAllowedError' ? 'Microphone access was denied. Allow it in the browser to record.' : `No microphone available (${name}).`)
    }
    const mime = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : ''
    this.chunks = []
    this.recorder = new MediaRecorder(this.stream, mime === '' ? undefined : { mimeType: mime })
    this.recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.chunks.push(e.data)
    }
    this.recorder.start()
  }

  /** Stop and return the recording. */
  stop(): Promise<Blob> {
    const recorder = this.recorder
    if (recorder === undefined) return Promise.reject(new Error('not recording'))
    return new Promise((resolve) => {
      recorder.onstop = () => {
        for (const track of this.stream?.getTracks() ?? []) track.stop()
        this.recorder = undefined
        resolve(new Blob(this.chunks, { type: recorder.mimeType || 'audio/webm' }))
      }
      recorder.stop()
    })
  }
}
