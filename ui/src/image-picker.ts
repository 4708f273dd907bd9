// The vision image: picked with the file button, dropped on the form or
// pasted, checked and scaled down when needed, with a preview.
import { byId, h, replace } from './dom.js'
import { type PickedImage, prepareImage } from './media.js'

export interface ImagePickerHooks {
  /** An image is coming in: switch to vision mode. */
  onIncoming(): void
  /** The file could not be used. */
  onRejected(message: string): void
  /** Is the Ask page the one showing (paste only counts there)? */
  isActive(): boolean
}

export class ImagePicker {
  image: PickedImage | undefined
  readonly zone = byId('image-zone')
  private readonly preview = byId<HTMLImageElement>('image-preview')

  constructor(
    form: HTMLFormElement,
    private readonly hooks: ImagePickerHooks
  ) {
    const file = byId<HTMLInputElement>('image-file')
    file.addEventListener('change', () => {
      const f = file.files?.[0]
      if (f !== undefined) void this.take(f, f.name)
      file.value = ''
    })
    byId('image-remove').addEventListener('click', () => this.remove())
    form.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return
      e.preventDefault()
      hooks.onIncoming()
      this.zone.classList.add('over')
    })
    form.addEventListener('dragleave', () => this.zone.classList.remove('over'))
    form.addEventListener('drop', (e) => {
      const f = e.dataTransfer?.files[0]
      this.zone.classList.remove('over')
      if (f === undefined) return
      e.preventDefault()
      void this.take(f, f.name)
    })
    document.addEventListener('paste', (e) => {
      if (!hooks.isActive()) return
      const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'))
      const f = item?.getAsFile()
      if (f === null || f === undefined) return
      e.preventDefault()
      void this.take(f, 'pasted image')
    })
  }

  private async take(file: Blob, name: string): Promise<void> {
    this.hooks.onIncoming()
    try {
      const picked = await prepareImage(file, name)
      this.remove()
      this.image = picked
      this.preview.src = picked.previewUrl
      this.preview.hidden = false
      byId('image-text').textContent = `${name} — ready. Drop, paste or choose another to replace it.`
      byId('image-remove').hidden = false
    } catch (err) {
      this.hooks.onRejected((err as Error).message)
    }
  }

  remove(): void {
    if (this.image !== undefined) URL.revokeObjectURL(this.image.previewUrl)
    this.image = undefined
    this.preview.hidden = true
    this.preview.removeAttribute('src')
    replace(byId('image-text'), h('strong', null, 'Drop an image here'), ', paste one, or')
    byId('image-remove').hidden = true
  }
}
