import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const PEER_KEY_FILE = 'peer-key'

/** The node's Ed25519 identity, created on first start and reused after. */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, PEER_KEY_FILE)
  try {
    const bytes = await readFile(file)
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dataDir, { recursive: true })
  // Write then rename so a crash never leaves half a key behind.
  const tmp = `${file}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return key
}
