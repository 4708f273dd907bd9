import type { Command } from 'commander'
import { type ApiOptions, callApi, DEFAULT_API, printTable } from '../api-client.js'

interface ShardsReply {
  enabled: boolean
  available?: boolean
  error?: string
  location?: string
  replication?: number
  writeQuorum?: number
  readQuorum?: number
  storagePeers?: number
  keys?: number
  entries?: number
  bytes?: number
  owned?: number
  healthy?: number
  underReplicated?: number
  handoff?: number
  lastSync?: { at: string; peers: number; failedPeers: number; repairedKeys: number; handedOff: number; durationMs: number }
}

/** `rentahal-node shards`: user-data shards held by a running node and their replication health. */
export function registerShards(program: Command, fail: (err: unknown) => never): void {
  program
    .command('shards')
    .description('show the user-data shards a running node holds and whether they are fully replicated')
    .option('--api <url>', 'HTTP address of the node', DEFAULT_API)
    .option('--json', 'print the raw JSON')
    .action(async (opts: ApiOptions) => {
      try {
        const reply = await callApi<ShardsReply>(opts, '/api/shards')
        if (opts.json === true) {
          console.log(JSON.stringify(reply, null, 2))
          return
        }
        if (!reply.enabled) {
          console.log('sharding is off on this node (database_sharding.enabled: false); users are kept in its own database')
          return
        }
        if (reply.available === false) console.log(`this node stores no shards: ${reply.error}`)
        printTable(
          [
            {
              keys: reply.keys ?? 0,
              bytes: reply.bytes ?? 0,
              owned: reply.owned ?? 0,
              healthy: reply.healthy ?? 0,
              under_replicated: reply.underReplicated ?? 0,
              handoff: reply.handoff ?? 0,
              peers: reply.storagePeers ?? 0,
              'n/w/r': `${reply.replication}/${reply.writeQuorum}/${reply.readQuorum}`
            }
          ],
          ['keys', 'bytes', 'owned', 'healthy', 'under_replicated', 'handoff', 'peers', 'n/w/r']
        )
        const last = reply.lastSync
        console.log(
          last === undefined
            ? 'no anti-entropy pass yet (health counts every key as under-replicated until one runs)'
            : `last anti-entropy pass ${last.at}: ${last.peers} peers in sync, ${last.failedPeers} failed, ${last.repairedKeys} keys repaired, ${last.handedOff} handed off (${last.durationMs} ms)`
        )
      } catch (err) {
        fail(err)
      }
    })
}
