import type { PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../config/index.js'
import { MAX_CONNECTIONS, type RentahalLibp2p } from '../p2p/index.js'

const log = logger('rentahal:federation:bootstrap')

export const BOOTSTRAP_RETRY_MS = 2_000
export const BOOTSTRAP_MAX_RETRY_MS = 30_000
const DIAL_TIMEOUT_MS = 5_000
/**
 * At or above this many connections a lost bootstrap peer is not dialled
 * again: the node is well joined, and the connection manager may have pruned
 * it on purpose. Re-dialling fought the manager (with 500 bootstrap peers the
 * node churned between 180 and 390 connections, scripts/bench/memory.ts).
 */
export const BOOTSTRAP_RECONNECT_CEILING = Math.floor(MAX_CONNECTIONS * 0.8)

interface Target {
  addr: Multiaddr
  peerId?: PeerId
  nextAttempt: number
  backoffMs: number
}

/**
 * Keeps the node connected to its bootstrap peers: dials them at start and
 * again, with back-off, whenever the connection is lost (e.g. they restarted).
 */
export class BootstrapKeeper {
  private readonly targets: Target[]
  private interval?: NodeJS.Timeout
  private readonly controller = new AbortController()
  private running = false

  constructor(
    private readonly libp2p: RentahalLibp2p,
    addrs: string[],
    private readonly init: { timers?: boolean; reconnectCeiling?: number } = {}
  ) {
    this.targets = addrs.map((a) => {
      try {
        return { addr: multiaddr(a), nextAttempt: 0, backoffMs: BOOTSTRAP_RETRY_MS }
      } catch {
        throw new ConfigError(`bootstrap address ${a} is not a multiaddr (e.g. /ip4/127.0.0.1/tcp/4100/p2p/12D3Koo...)`, 'bootstrap')
      }
    })
  }

  start(): void {
    if (this.targets.length === 0) return
    void this.check()
    if (this.init.timers !== false) {
      this.interval = setInterval(() => void this.check(), BOOTSTRAP_RETRY_MS)
      this.interval.unref()
    }
  }

  stop(): void {
    clearInterval(this.interval)
    this.controller.abort()
  }

  /**
   * Dial every bootstrap peer that is not connected and due for an attempt;
   * one that was connected before is dialled again only while the node has
   * fewer than the reconnect ceiling of connections. `force`: ignore both.
   */
  async check(options: { force?: boolean } = {}): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const now = Date.now()
      const saturated = this.libp2p.getConnections().length >= (this.init.reconnectCeiling ?? BOOTSTRAP_RECONNECT_CEILING)
      await Promise.all(
        this.targets.map(async (t) => {
          if (t.peerId !== undefined && this.libp2p.getConnections(t.peerId).length > 0) {
            t.backoffMs = BOOTSTRAP_RETRY_MS
            return
          }
          if (options.force !== true && (now < t.nextAttempt || (saturated && t.peerId !== undefined))) return
          try {
            const connection = await this.libp2p.dial(t.addr, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
            t.peerId = connection.remotePeer
            t.backoffMs = BOOTSTRAP_RETRY_MS
            log('connected to bootstrap peer %a', t.addr)
          } catch (err) {
            if (this.controller.signal.aborted) return
            log('bootstrap peer %a unreachable: %s', t.addr, (err as Error).message)
            t.nextAttempt = Date.now() + t.backoffMs
            t.backoffMs = Math.min(t.backoffMs * 2, BOOTSTRAP_MAX_RETRY_MS)
          }
        })
      )
    } finally {
      this.running = false
    }
  }
}
