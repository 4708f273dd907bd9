import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { TempDirs } from '../helpers/temp.js'

const run = promisify(execFile)
const CHILD = fileURLToPath(new URL('../helpers/disk-full-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('shard store on a full disk', function () {
  this.timeout(60_000)
  const temp = new TempDirs()
  afterEach(() => temp.cleanup())

  it('fails writes with a clear "disk is full" error and keeps reading', async function () {
    // A real ENOSPC needs a small filesystem: a 4 MiB tmpfs in a private mount namespace, which only
    // root may mount. CI runs as root; a developer running the suite as a normal user is told why.
    if (process.getuid?.() !== 0) {
      console.log('      (skipped: mounting the 4 MiB tmpfs for a real full disk needs root)')
      this.skip()
    }
    const dir = await temp.make()
    const script = `mount -t tmpfs -o size=4m tmpfs "$1" && exec "$2" --import tsx "$3" "$1"`
    const { stdout } = await run('unshare', ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, CHILD], { cwd: ROOT, timeout: 50_000 })
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string)
    assert.ok(report.written > 0, 'some writes fit')
    assert.equal(report.name, 'ShardStoreWriteError')
    assert.match(report.message, /^cannot write to the shard store in .*shards: the disk is full \(ENOSPC\)$/)
    assert.equal(report.readBack, 1, 'records written before the disk filled are still readable')
  })
})
