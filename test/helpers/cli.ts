import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** The built CLI, exactly what `npx rentahal-node` runs. */
export const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Run a CLI command to completion. */
export async function runCli(args: string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** A running `rentahal-node start` process. */
export class NodeProcess {
  stdout = ''
  stderr = ''
  peerId = ''
  httpUrl = ''
  addrs: string[] = []
  readonly exited: Promise<number | null>

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => {
      this.stdout += d
    })
    child.stderr?.on('data', (d) => {
      this.stderr += d
    })
    this.exited = once(child, 'exit').then(([code]) => code as number | null)
  }

  /** Start with the given flags and wait for the banner. */
  static async start(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<NodeProcess> {
    const child = spawn(process.execPath, [CLI, 'start', ...args], { cwd: options.cwd, env: { ...process.env, DEBUG: undefined } })
    const proc = new NodeProcess(child)
    const deadline = Date.now() + (options.timeoutMs ?? 20_000)
    while (!proc.stdout.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`node did not start (exit ${child.exitCode}):\n${proc.stdout}\n${proc.stderr}`)
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    proc.peerId = /peer id\s+(\S+)/.exec(proc.stdout)?.[1] ?? ''
    proc.httpUrl = (/UI \/ API\s+(\S+)/.exec(proc.stdout)?.[1] ?? '').replace(/\/$/, '')
    proc.addrs = [...proc.stdout.matchAll(/(\/ip[46]\/\S+\/p2p\/\S+)/g)].map((m) => m[1] as string)
    return proc
  }

  get wsUrl(): string {
    return `${this.httpUrl.replace(/^http/, 'ws')}/ws`
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }
}
