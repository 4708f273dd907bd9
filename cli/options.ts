import { InvalidArgumentError } from 'commander'

export function parsePort(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535')
  return n
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

export function parseThreads(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new InvalidArgumentError('must be a number of threads from 1 to 256')
  return n
}
