import { logger } from '@libp2p/logger'
import type { WorkerConfig } from '../config/index.js'
import { readLimited } from './http.js'
import type { WorkerHandle, WorkerRegistry } from './registry.js'

const log = logger('rentahal:workers:autodetect')

/** A local model server to look for. */
export interface LocalServerProbe {
  /** Shown in worker names: `ollama@127.0.0.1:11434`. */
  label: string
  /** `ollama` is asked `/api/tags`, `openai` is asked `/v1/models`. */
  kind: 'ollama' | 'openai'
  /** Base URL; must be a loopback address. */
  url: string
}

/** The usual loopback ports of local model servers. */
export const DEFAULT_LOCAL_PROBES: readonly LocalServerProbe[] = [
  { label: 'ollama', kind: 'ollama', url: 'http://127.0.0.1:11434' },
  { label: 'llama.cpp', kind: 'openai', url: 'http://127.0.0.1:8080' },
  { label: 'lm-studio', kind: 'openai', url: 'http://127.0.0.1:1234' },
  { label: 'vllm', kind: 'openai', url: 'http://127.0.0.1:8000' }
]

/** Each probe's deadline; probes run in parallel, so this bounds the whole detection. */
export const AUTODETECT_TIMEOUT_MS = 800
const MAX_PROBE_BODY = 1024 * 1024

/** Only loopback is ever probed. */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false
  const host = new URL(url).hostname
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Model names that suggest image input (llava-class, "vision", Qwen-VL, …). */
export function looksLikeVisionModel(name: string): boolean {
  return /llava|vision|moondream|minicpm-v|[-_.]vl\b|[-_.]vl[-_:.]/i.test(name)
}

export interface DetectedServer {
  probe: LocalServerProbe
  models: string[]
}

async function probeOne(probe: LocalServerProbe, signal: AbortSignal): Promise<DetectedServer | undefined> {
  const path = probe.kind === 'ollama' ? '/api/tags' : '/v1/models'
  try {
    const res = await fetch(`${probe.url}${path}`, { signal, redirect: 'error' })
    if (!res.ok) {
      await res.body?.cancel()
      return undefined
    }
    const body = JSON.parse(new TextDecoder().decode(await readLimited(res, MAX_PROBE_BODY))) as {
      models?: Array<{ name?: unknown }>
      data?: Array<{ id?: unknown }>
    }
    const raw = probe.kind === 'ollama' ? body.models?.map((m) => m.name) : body.data?.map((m) => m.id)
    if (!Array.isArray(raw)) return undefined
    return { probe, models: raw.filter((m): m is string => typeof m === 'string') }
  } catch {
    // Nothing there, not this kind of server, or too slow: not a worker.
    return undefined
  }
}

/** Probe the given loopback servers in parallel, each with a short deadline; resolve with those that answered. */
export async function detectLocalServers(
  options: { probes?: readonly LocalServerProbe[]; timeoutMs?: number; signal?: AbortSignal } = {}
): Promise<DetectedServer[]> {
  const probes = options.probes ?? DEFAULT_LOCAL_PROBES
  for (const p of probes) if (!isLoopbackUrl(p.url)) throw new Error(`auto-detection only probes loopback addresses, not ${p.url}`)
  const timeout = AbortSignal.timeout(options.timeoutMs ?? AUTODETECT_TIMEOUT_MS)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  const found = await Promise.all(probes.map((p) => probeOne(p, signal)))
  return found.filter((f): f is DetectedServer => f !== undefined)
}

/** Worker configs for a detected server: a chat worker, plus a vision worker when some model takes images. */
export function detectedWorkerConfigs(server: DetectedServer): WorkerConfig[] {
  const { probe, models } = server
  const host = new URL(probe.url).host
  const vision = models.filter(looksLikeVisionModel)
  const text = models.filter((m) => !looksLikeVisionModel(m))
  const base = { kind: probe.kind, url: probe.url.replace(/\/+$/, ''), capacity: 1 } as const
  const configs: WorkerConfig[] = [{ ...base, name: `${probe.label}@${host}`, type: 'chat', models: text.length > 0 ? text : models }]
  if (vision.length > 0) configs.push({ ...base, name: `${probe.label}-vision@${host}`, type: 'vision', models: vision })
  return configs
}

/**
 * Register detected servers. A server whose URL already belongs to a
 * registered worker of the same type (from realms.yml or `--worker`) is left alone.
 */
export function registerDetected(registry: WorkerRegistry, servers: readonly DetectedServer[]): WorkerHandle[] {
  const added: WorkerHandle[] = []
  for (const server of servers) {
    for (const config of detectedWorkerConfigs(server)) {
      const taken = registry.list(config.type).some((w) => w.config.url === config.url) || registry.get(config.name) !== undefined
      if (taken) continue
      added.push(registry.add(config, { origin: 'autodetect' }))
      log('found %s at %s with %d models', server.probe.label, server.probe.url, config.models.length)
    }
  }
  return added
}

/** Find local model servers and register them. */
export async function autodetectWorkers(
  registry: WorkerRegistry,
  options: { probes?: readonly LocalServerProbe[]; timeoutMs?: number; signal?: AbortSignal } = {}
): Promise<WorkerHandle[]> {
  return registerDetected(registry, await detectLocalServers(options))
}
