import assert from 'node:assert/strict'
import type { RealmConfig, WorkerConfig } from '../../../node/config/index.js'
import { QueueFullError, Realm } from '../../../node/realms/index.js'
import { type WorkerAdapter, WorkerRegistry, type WorkerRequest, type WorkerResult } from '../../../node/workers/index.js'

/** An in-memory worker whose calls the test resolves by hand. */
class ManualAdapter implements WorkerAdapter {
  readonly kind = 'legacy' as const
  readonly calls: Array<{ request: WorkerRequest; resolve: (r: WorkerResult) => void; reject: (e: Error) => void; signal?: AbortSignal }> = []
  health = 200

  run(request: WorkerRequest, options: { signal?: AbortSignal } = {}): Promise<WorkerResult> {
    return new Promise((resolve, reject) => {
      this.calls.push({ request, resolve, reject, signal: options.signal })
      options.signal?.addEventListener('abort', () => reject(options.signal?.reason as Error))
    })
  }

  async checkHealth(): Promise<number> {
    return this.health
  }
}

const realmConfig = (over: Partial<RealmConfig> = {}): RealmConfig => ({
  name: '$CHAT',
  primaryQueryType: 'chat',
  minWorkers: 1,
  maxWorkers: 5,
  backupRealms: [],
  maxQueueSize: 5,
  loadBalancing: 'health',
  workers: [],
  ...over
})

const workerConfig = (name: string, over: Partial<WorkerConfig> = {}): WorkerConfig => ({
  name,
  kind: 'legacy',
  type: 'chat',
  url: `http://${name}`,
  models: [],
  capacity: 1,
  ...over
})

const request = (prompt: string, modelName = ''): WorkerRequest => ({ queryType: 'chat', prompt, modelType: 'worker_node', modelName })

describe('Realm queue', () => {
  let adapters: Map<string, ManualAdapter>
  let registry: WorkerRegistry

  beforeEach(() => {
    adapters = new Map()
    registry = new WorkerRegistry({
      healthCheckIntervalMs: 0,
      noBlacklistImagine: true,
      createAdapter: (c) => {
        const a = new ManualAdapter()
        adapters.set(c.name, a)
        return a
      }
    })
  })

  afterEach(async () => {
    await registry.stop()
  })

  it('runs up to the workers’ capacity at once and reports queue positions', async () => {
    registry.add(workerConfig('a', { capacity: 2 }))
    const realm = new Realm(realmConfig(), registry)
    const positions: number[][] = [[], [], [], []]
    const results = [0, 1, 2, 3].map((i) => realm.submit(request(`p${i}`), { onPosition: (p) => positions[i]?.push(p) }))
    const a = adapters.get('a') as ManualAdapter
    assert.equal(a.calls.length, 2)
    assert.equal(realm.depth, 4)
    assert.equal(realm.queued, 2)
    assert.deepEqual(positions, [[], [], [1], [2]])
    a.calls[0]?.resolve({ type: 'text', text: 'r0' })
    assert.equal((await results[0])?.result.type, 'text')
    // The freed slot is handed on once the finished call has settled.
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(a.calls.length, 3)
    assert.deepEqual(positions[3], [2, 1])
    for (const call of a.calls.slice(1)) call.resolve({ type: 'text', text: 'x' })
    await results[1]
    await results[2]
    a.calls[3]?.resolve({ type: 'text', text: 'x' })
    await Promise.all(results)
    assert.equal(realm.depth, 0)
    assert.equal(realm.metrics.processedQueries, 4)
  })

  it('refuses work beyond max_queue_size with the legacy error', async () => {
    registry.add(workerConfig('a'))
    const realm = new Realm(realmConfig({ maxQueueSize: 3 }), registry)
    const accepted = [0, 1, 2].map((i) => realm.submit(request(`p${i}`)))
    await assert.rejects(realm.submit(request('p3')), (err: Error) => err instanceof QueueFullError && err.message === 'Queue is full, please try again later')
    realm.close()
    adapters.get('a')?.calls[0]?.resolve({ type: 'text', text: 'x' })
    await Promise.allSettled(accepted)
  })

  it('cancels a queued query when its signal aborts, and a running one at the worker', async () => {
    registry.add(workerConfig('a'))
    const realm = new Realm(realmConfig(), registry)
    const running = new AbortController()
    const queued = new AbortController()
    const r1 = realm.submit(request('run'), { signal: running.signal })
    const r2 = realm.submit(request('wait'), { signal: queued.signal })
    queued.abort()
    await assert.rejects(r2, { name: 'QueryAbortedError' })
    assert.equal(realm.queued, 0)
    running.abort()
    await assert.rejects(r1, { name: 'QueryAbortedError' })
    assert.equal(adapters.get('a')?.calls[0]?.signal?.aborted, true)
    assert.equal(realm.depth, 0)
  })

  it('fails at once when no worker serves the type, and fails queued work when the last worker leaves', async () => {
    const realm = new Realm(realmConfig(), registry)
    await assert.rejects(realm.submit(request('x')), { name: 'NoWorkerAvailableError' })
    registry.add(workerConfig('a'))
    const r1 = realm.submit(request('1'))
    const r2 = realm.submit(request('2'))
    await registry.remove('a')
    await assert.rejects(r2, { name: 'NoWorkerAvailableError' })
    adapters.get('a')?.calls[0]?.resolve({ type: 'text', text: 'done' })
    assert.equal((await r1).worker, 'a')
  })

  it('gives a query pinned to a model only to the worker serving it', async () => {
    registry.add(workerConfig('a', { models: ['small'] }))
    registry.add(workerConfig('b', { models: ['big'] }))
    const realm = new Realm(realmConfig(), registry)
    const r = realm.submit(request('x', 'big'))
    assert.equal(adapters.get('a')?.calls.length, 0)
    adapters.get('b')?.calls[0]?.resolve({ type: 'text', text: 'ok' })
    assert.equal((await r).worker, 'b')
  })
})

describe('WorkerRegistry health and strategies', () => {
  let registry: WorkerRegistry
  const adapters = new Map<string, ManualAdapter>()

  beforeEach(() => {
    registry = new WorkerRegistry({
      healthCheckIntervalMs: 0,
      noBlacklistImagine: true,
      createAdapter: (c) => {
        const a = new ManualAdapter()
        adapters.set(c.name, a)
        return a
      }
    })
  })

  afterEach(async () => {
    await registry.stop()
  })

  it('applies the legacy score rules: blacklist at 0, back at 50', async () => {
    const w = registry.add(workerConfig('a'))
    const a = adapters.get('a') as ManualAdapter
    a.health = 500
    const blacklisted: string[] = []
    registry.on('blacklisted', (x) => blacklisted.push(x.name))
    for (let i = 0; i < 10; i++) await registry.checkAll()
    assert.equal(w.healthScore, 0)
    assert.equal(w.blacklisted, true)
    assert.deepEqual(blacklisted, ['a'])
    assert.equal(registry.select('chat', 'health'), undefined)
    a.health = 200
    await registry.checkAll()
    assert.equal(w.blacklisted, false)
    assert.equal(w.healthScore, 50)
  })

  it('round_robin alternates and least_busy picks the idle worker', () => {
    const a = registry.add(workerConfig('a', { capacity: 4 }))
    registry.add(workerConfig('b', { capacity: 4 }))
    const picks = [0, 1, 2, 3].map(() => registry.select('chat', 'round_robin')?.name)
    assert.deepEqual(picks, ['a', 'b', 'a', 'b'])
    a.inFlight = 2
    assert.equal(registry.select('chat', 'least_busy')?.name, 'b')
  })
})
