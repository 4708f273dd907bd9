import type { WorkerRequest, WorkerResult } from '../workers/index.js'

export interface QueryRunOptions {
  signal?: AbortSignal
  onPosition?: (position: number) => void
  onChunk?: (text: string) => void
  /** Called when a worker (local or on a peer) takes the query. */
  onServing?: (servedBy: ServedBy) => void
  /** Hops already taken (a relaying peer passes its own); 0 at the entry node. */
  hopCount?: number
  /** Overall time budget in ms; the runner's default when absent. */
  deadlineMs?: number
  /** Peers not to route to (e.g. the one that relayed this query here). */
  excludePeers?: string[]
}

export interface ServedBy {
  /** Peer id of the node whose worker answered; undefined when local. */
  peerId?: string
  worker: string
  realm: string
}

export interface QueryOutcome {
  result: WorkerResult
  servedBy: ServedBy
}

/** Runs a query somewhere: the local realm now, the federation router when routing is on. */
export interface QueryRunner {
  run(request: WorkerRequest, options?: QueryRunOptions): Promise<QueryOutcome>
}
