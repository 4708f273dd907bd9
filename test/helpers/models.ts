import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** A real 260K-parameter TinyStories GGUF, kept next to the checkout (see ../shared/models/README.md). */
export const STORIES_GGUF = resolve(REPO_ROOT, '../shared/models/stories260K.gguf')
