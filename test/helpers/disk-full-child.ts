// Run by test/integration/shards-disk-full.test.ts inside a mount namespace whose
// data dir is a tiny tmpfs: fills a ShardStore until the disk is full and reports
// what the store said, and whether it still reads.

import { sha256 } from '../../node/shards/keys.js'
import { ShardStore } from '../../node/shards/store.js'

const dir = process.argv[2] as string
const store = await ShardStore.open(`${dir}/shards`)
const value = new Uint8Array(64 * 1024).fill(7)
let written = 0
let failure: Error | undefined
for (let i = 0; i < 10_000 && failure === undefined; i++) {
  try {
    await store.merge([{ key: sha256(`user ${i}`), entries: [{ id: 'h/1', version: 0n, value }] }])
    written++
  } catch (err) {
    failure = err as Error
  }
}
const readBack = await store.query({ key: sha256('user 0') }, 1 << 20).then(
  (r) => r.entries.length,
  (err: Error) => `read failed: ${err.message}`
)
console.log(JSON.stringify({ written, name: failure?.name, message: failure?.message, readBack }))
await store.close().catch(() => undefined)
