import { access, constants, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { DataDirError } from './errors.js'

/** Make sure the data dir exists and is writable, with one clear error otherwise. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await access(dataDir, constants.W_OK | constants.R_OK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new DataDirError(`data dir ${dataDir} is not writable (${code})`, dataDir)
  }
}

/** Open the node's one LevelDB; a lock held by another process or a corrupt store is a DataDirError. */
export async function openDatabase(dataDir: string): Promise<Level<string, unknown>> {
  const location = join(dataDir, 'db')
  const db = new Level<string, unknown>(location, { valueEncoding: 'json' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED' || /lock/i.test(cause?.message ?? '')) {
      throw new DataDirError(`data dir ${dataDir} is in use by another rentahal-node (database is locked)`, dataDir)
    }
    throw new DataDirError(`cannot open the database in ${location}: ${cause?.message ?? (err as Error).message}`, dataDir)
  }
  return db
}
