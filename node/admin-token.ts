import { randomBytes } from 'node:crypto'
import { chmod, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** File in the data dir that holds the admin token (hex, mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token'
const TOKEN_PATTERN = /^[0-9a-f]{64}$/

/** The admin token is missing or unreadable. */
export class AdminTokenError extends Error {
  override name = 'AdminTokenError'
}

/** Read the node's admin token; undefined when the node has never started with this data dir. */
export async function readAdminToken(dataDir: string): Promise<string | undefined> {
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new AdminTokenError(`cannot read the admin token ${file} (${code ?? (err as Error).message})`)
  }
  const token = text.trim()
  if (!TOKEN_PATTERN.test(token)) throw new AdminTokenError(`${file} does not hold an admin token (64 hex characters); delete it to make a new one`)
  return token
}

/** The node's admin token: 32 random bytes in hex, created on first start and reused after. */
export async function loadOrCreateAdminToken(dataDir: string): Promise<string> {
  const existing = await readAdminToken(dataDir)
  if (existing !== undefined) return existing
  const token = randomBytes(32).toString('hex')
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  // Write then rename so a crash never leaves half a token behind.
  const tmp = `${file}.tmp`
  await writeFile(tmp, `${token}\n`, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return token
}
