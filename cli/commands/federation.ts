import type { Command } from 'commander'
import { type ApiOptions, callApi, DEFAULT_API, printTable } from '../api-client.js'
import { commandGroup } from './groups.js'

interface PeersResponse {
  peers: Array<{
    peerId: string
    addrs: string[]
    rttMs: number | null
    connected: boolean
    version: string
    advertAgeMs: number | null
    realms: Array<{ name: string; queryType: string; workers: number; queueDepth: number; capacity: number }>
  }>
}

interface RealmsResponse {
  federationId: string
  realms: Array<{
    queryType: string
    realm: string | null
    providers: Array<{
      peerId: string
      local: boolean
      realm: string
      queueDepth: number
      capacity: number
      inFlight: number
      workers: Array<{ id: string; kind: string; models: string[]; capacity: number; inFlight: number; healthScore: number; blacklisted: boolean }>
    }>
    metrics: Record<string, number>
  }>
}

interface NodeResponse {
  peerId: string
  version: string
  federationId: string
  addrs: string[]
  realms: Array<{ name: string; queryType: string; depth: number; capacity: number; workers: unknown[] }>
}

const shortId = (id: string): string => (id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id)
const age = (ms: number | null): string => (ms === null ? '-' : ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`)

function withApi(cmd: Command): Command {
  return cmd.option('--api <url>', 'HTTP API of the node to ask', DEFAULT_API).option('--json', 'print JSON for scripts')
}

/** `rentahal-node peers|realms|status`: the federation as one node sees it. */
export function registerFederationCommands(program: Command, fail: (err: unknown) => never): void {
  withApi(program.command('peers').description('list the peers this node knows, with RTT, realms and advert age')).action(async (opts: ApiOptions) => {
    try {
      const body = await callApi<PeersResponse>(opts, '/api/node/peers')
      if (opts.json === true) return console.log(JSON.stringify(body, null, 2))
      printTable(
        body.peers.map((p) => ({
          peer: shortId(p.peerId),
          connected: p.connected ? 'yes' : 'no',
          rtt: p.rttMs === null ? '-' : `${p.rttMs}ms`,
          advert: age(p.advertAgeMs),
          realms:
            p.realms
              .filter((r) => r.workers > 0)
              .map((r) => `${r.queryType}(${r.workers}w, q${r.queueDepth})`)
              .join(' ') || '-',
          version: p.version || '-',
          addr: p.addrs[0] ?? '-'
        })),
        ['peer', 'connected', 'rtt', 'advert', 'realms', 'version', 'addr']
      )
    } catch (err) {
      fail(err)
    }
  })

  // `realms` is a group (admin subcommands join it); listing is its default subcommand.
  const realmsGroup = commandGroup(program, 'realms', 'realms across the federation, and managing this node’s')
  withApi(
    realmsGroup.command('list', { isDefault: true }).description('list query types across the federation: who serves them and how loaded they are')
  ).action(async (opts: ApiOptions) => {
    try {
      const body = await callApi<RealmsResponse>(opts, '/api/realms')
      if (opts.json === true) return console.log(JSON.stringify(body, null, 2))
      const rows = body.realms.flatMap((r) =>
        r.providers.length === 0
          ? [{ type: r.queryType, peer: '(nobody)', realm: r.realm ?? '-', workers: '-', load: '-', processed: r.metrics.processed_queries ?? 0 }]
          : r.providers.map((p) => ({
              type: r.queryType,
              peer: p.local ? 'this node' : shortId(p.peerId),
              realm: p.realm,
              workers: p.workers.map((w) => `${w.id}${w.blacklisted ? '(blacklisted)' : ''}${w.models.length > 0 ? `[${w.models.join(',')}]` : ''}`).join(' '),
              load: `${p.inFlight}/${p.capacity} running, ${p.queueDepth} in queue`,
              processed: p.local ? (r.metrics.processed_queries ?? 0) : '-'
            }))
      )
      printTable(rows, ['type', 'peer', 'realm', 'workers', 'load', 'processed'])
    } catch (err) {
      fail(err)
    }
  })

  withApi(program.command('status').description('summarise the local node')).action(async (opts: ApiOptions) => {
    try {
      const node = await callApi<NodeResponse>(opts, '/api/node')
      const peers = await callApi<PeersResponse>(opts, '/api/node/peers')
      if (opts.json === true) return console.log(JSON.stringify({ node, peers: peers.peers.length }, null, 2))
      const connected = peers.peers.filter((p) => p.connected).length
      console.log(`rentahal-node ${node.version}  peer ${node.peerId}`)
      console.log(`federation ${node.federationId}: ${peers.peers.length} peers known, ${connected} connected`)
      for (const r of node.realms)
        console.log(`  ${r.name.padEnd(9)} ${r.queryType.padEnd(8)} ${r.workers.length} local workers, ${r.depth} queued or running, capacity ${r.capacity}`)
    } catch (err) {
      fail(err)
    }
  })
}
