// The benchmark scripts `npm run bench` runs, in order (scripts/bench/<name>.ts).
// Kept apart from run-all.ts so the test suite's smoke test runs the same list.

export interface Bench {
  name: string
  /** What it answers. */
  question: string
  timeoutMs: number
}

export const BENCHES: Bench[] = [
  { name: 'route', question: 'routing overhead per hop, 0–3 hops', timeoutMs: 180_000 },
  { name: 'throughput', question: 'queries/s one node routes to a peer', timeoutMs: 180_000 },
  { name: 'ws', question: '/ws query round trips/s', timeoutMs: 180_000 },
  { name: 'ws-fanout', question: '10,000 idle /ws clients, queue_update fan-out', timeoutMs: 240_000 },
  { name: 'discovery', question: 'time until a new worker is routable at 20 and 100 nodes', timeoutMs: 300_000 },
  { name: 'shards', question: 'replicated shard write and read ops/s', timeoutMs: 240_000 },
  { name: 'memory', question: 'idle RSS and RSS per connected peer', timeoutMs: 300_000 },
  { name: 'cold-start', question: 'cold start to /healthz', timeoutMs: 180_000 }
]
