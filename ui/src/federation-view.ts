// Federation: this node, its peers (RTT, realms, load), every realm's
// providers with their workers' health and queue depth, and this node's
// shards. Redrawn from each poll, without a page reload.
import { byId, type Child, h, replace } from './dom.js'
import type { FederationData, Loaded, Snapshot } from './federation-data.js'
import { ago, bytes, shortId } from './format.js'
import type { FederationRealms, NodeStatus, PeerInfo, ShardStatus } from './types.js'

function healthBar(score: number, blacklisted = false): HTMLElement {
  const fill = h('span', { class: `health-fill ${blacklisted || score < 50 ? 'h-bad' : score < 80 ? 'h-mid' : 'h-good'}` })
  fill.style.width = `${Math.max(0, Math.min(100, score))}%`
  return h(
    'span',
    null,
    h('span', { class: 'health', role: 'img', 'aria-label': `health ${Math.round(score)} of 100` }, fill),
    blacklisted ? 'blacklisted' : String(Math.round(score))
  )
}

function table(head: string[], rows: Child[][], numeric: number[] = []): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, c))
        )
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c))
          )
        )
      )
    )
  )
}

/** Text for an endpoint that could not be shown. */
function notShown(loaded: Loaded<unknown>, what: string): HTMLElement | undefined {
  if (loaded.state === 'loading') return h('p', { class: 'muted' }, 'Loading…')
  if (loaded.state === 'unavailable') return h('p', { class: 'muted' }, `${what} not available on this node (it needs a newer rentahal-node).`)
  if (loaded.state === 'error') return h('p', { class: 'danger' }, `Could not load ${what.toLowerCase()}: ${loaded.message}`)
  return undefined
}

export class FederationView {
  constructor(private readonly fed: FederationData) {
    fed.onChange((s) => this.render(s))
    setInterval(() => this.renderAge(), 1_000)
  }

  private render(s: Snapshot): void {
    this.renderNode(s.node)
    this.renderPeers(s.peers, s.node)
    this.renderRealms(s.realms, s.node)
    this.renderShards(s.shards)
    this.renderAge()
  }

  private renderAge(): void {
    const at = this.fed.snapshot.at
    byId('fed-updated').textContent = at === 0 ? '' : `Updated ${ago(Date.now() - at)} · refreshes every few seconds`
  }

  private renderNode(node: Loaded<NodeStatus>): void {
    const el = byId('fed-node')
    const missing = notShown(node, 'Node status')
    if (missing !== undefined || node.state !== 'ok') {
      replace(el, missing)
      return
    }
    const n = node.value
    byId('node-id').textContent = `node ${shortId(n.peerId)} · federation ${n.federationId}`
    replace(
      el,
      h(
        'dl',
        { class: 'stats' },
        h('div', null, h('dt', null, 'Peer id'), h('dd', { class: 'mono', title: n.peerId }, shortId(n.peerId))),
        h('div', null, h('dt', null, 'Federation'), h('dd', null, n.federationId)),
        h('div', null, h('dt', null, 'Version'), h('dd', null, n.version))
      ),
      h(
        'details',
        null,
        h('summary', null, `Addresses (${n.addrs.length}) — give one to another node's --bootstrap to join`),
        h(
          'ul',
          null,
          n.addrs.map((a) => h('li', { class: 'mono' }, a))
        )
      )
    )
  }

  private renderPeers(peers: Loaded<PeerInfo[]>, node: Loaded<NodeStatus>): void {
    const el = byId('fed-peers')
    const missing = notShown(peers, 'The peer list is')
    if (missing !== undefined || peers.state !== 'ok') {
      replace(el, missing)
      return
    }
    if (peers.value.length === 0) {
      const addr = node.state === 'ok' ? node.value.addrs[0] : undefined
      replace(
        el,
        h(
          'p',
          { class: 'muted' },
          'No other peers yet. Start another node with ',
          h('code', null, `--bootstrap ${addr ?? '<this node’s address>'}`),
          ' to build a federation.'
        )
      )
      return
    }
    const rows = peers.value.map((p) => [
      h('span', { class: 'mono', title: p.peerId, 'data-peer-id': p.peerId }, shortId(p.peerId)),
      h('span', { class: `tag ${p.connected ? 'ok' : 'bad'}` }, p.connected ? 'connected' : 'not connected'),
      p.rttMs === null ? '–' : `${Math.round(p.rttMs)} ms`,
      p.realms.every((r) => r.workers === 0)
        ? h('span', { class: 'muted' }, 'no workers')
        : h(
            'span',
            null,
            p.realms
              .filter((r) => r.workers > 0)
              .map((r) =>
                h(
                  'span',
                  { class: 'tag', title: `${r.name}: ${r.workers} workers, ${r.queueDepth} queued, capacity ${r.capacity}` },
                  `${r.queryType} ×${r.workers}`
                )
              )
          ),
      p.realms.length === 0 ? '–' : `${p.realms.reduce((n, r) => n + r.queueDepth, 0)} / ${p.realms.reduce((n, r) => n + r.capacity, 0)}`,
      p.storesShards ? 'yes' : 'no',
      p.version,
      p.advertAgeMs === null ? '–' : ago(p.advertAgeMs)
    ])
    replace(el, table(['Peer', 'Link', 'RTT', 'Realms', 'Queue / capacity', 'Shards', 'Version', 'Last advert'], rows, [2, 4]))
  }

  private renderRealms(realms: Loaded<FederationRealms>, node: Loaded<NodeStatus>): void {
    const el = byId('fed-realms')
    if (realms.state === 'ok') {
      const blocks = realms.value.realms.map((r) => {
        const rows = r.providers.flatMap((p) =>
          (p.workers.length === 0 ? [undefined] : p.workers).map((w) => [
            p.local ? h('strong', null, 'this node') : h('span', { class: 'mono', title: p.peerId }, shortId(p.peerId)),
            p.realm,
            w === undefined ? h('span', { class: 'muted' }, 'no workers') : w.id,
            w === undefined ? '–' : healthBar(w.healthScore, w.blacklisted === true),
            w === undefined ? '' : w.models.join(', '),
            `${p.queueDepth} queued · ${p.inFlight}/${p.capacity} busy`
          ])
        )
        return h(
          'div',
          { class: 'realm', 'data-query-type': r.queryType },
          h(
            'h3',
            null,
            r.realm ? `${r.realm} · ${r.queryType}` : r.queryType,
            ' ',
            h(
              'span',
              { class: 'muted small' },
              `${r.metrics.processed_queries} processed · avg ${r.metrics.avg_processing_time.toFixed(2)} s · ${r.metrics.failed_routes} failed routes`
            )
          ),
          rows.length === 0
            ? h('p', { class: 'muted' }, 'Nobody in the federation serves this.')
            : table(['Provider', 'Realm', 'Worker', 'Health', 'Models', 'Load'], rows)
        )
      })
      replace(el, blocks.length === 0 ? h('p', { class: 'muted' }, 'No realms.') : blocks)
      return
    }
    // Older nodes: only this node's own realms.
    if (node.state !== 'ok') {
      replace(el, notShown(node, 'Realms'))
      return
    }
    const blocks = node.value.realms.map((r) =>
      h(
        'div',
        { class: 'realm', 'data-query-type': r.queryType },
        h(
          'h3',
          null,
          `${r.name} · ${r.queryType} `,
          h('span', { class: 'muted small' }, `${r.queued} queued · ${r.inFlight}/${r.capacity} busy · ${r.metrics.processed_queries} processed`)
        ),
        r.workers.length === 0
          ? h('p', { class: 'muted' }, 'No workers on this node.')
          : table(
              ['Worker', 'Kind', 'Health', 'Models', 'Busy', 'Avg time'],
              r.workers.map((w) => [
                w.name,
                w.kind,
                healthBar(w.healthScore, w.blacklisted),
                w.models.join(', '),
                `${w.inFlight}/${w.capacity}`,
                `${(w.avgServiceMs / 1000).toFixed(2)} s`
              ]),
              [5]
            )
      )
    )
    replace(
      el,
      realms.state === 'unavailable' ? h('p', { class: 'muted small' }, 'Showing this node only; the federation-wide realm view needs a newer node.') : null,
      blocks
    )
  }

  private renderShards(shards: Loaded<ShardStatus>): void {
    const el = byId('fed-shards')
    const missing = notShown(shards, 'Shard status is')
    if (missing !== undefined || shards.state !== 'ok') {
      replace(el, missing)
      return
    }
    const s = shards.value
    if (s.enabled === false) {
      replace(el, h('p', { class: 'muted' }, 'This node keeps no shards of user data.'))
      return
    }
    const healthy = s.replicas?.healthy ?? s.healthy
    const under = s.replicas?.underReplicated ?? s.underReplicated
    const stat = (label: string, value: number | string | undefined, cls?: string): HTMLElement | null =>
      value === undefined ? null : h('div', null, h('dt', null, label), h('dd', { class: cls ?? null }, String(value)))
    replace(
      el,
      s.error === undefined ? null : h('p', { class: 'danger' }, `Shard store problem: ${s.error}`),
      h(
        'dl',
        { class: 'stats' },
        stat('Keys', s.keys),
        stat('Size', s.bytes === undefined ? undefined : bytes(s.bytes)),
        stat('Fully replicated', healthy),
        stat('Under-replicated', under, (under ?? 0) > 0 ? 'danger' : undefined),
        stat('Waiting for hand-off', s.handoff),
        stat('Replicas wanted', s.replication),
        stat('Storage peers', s.storagePeers)
      ),
      s.lastSync?.at === undefined ? null : h('p', { class: 'muted small' }, `Last anti-entropy pass ${ago(Date.now() - Date.parse(s.lastSync.at))}.`)
    )
  }
}
