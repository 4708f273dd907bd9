import type { ComponentLogger, Logger } from '@libp2p/interface'
import { enabled, logger } from '@libp2p/logger'

const noop = (): void => undefined

/** One logger that does nothing, shared by every component whose logging is off. */
const disabled: Logger = Object.assign((_formatter: unknown, ..._args: unknown[]): void => undefined, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Logger => disabled
})

/**
 * libp2p asks for a logger per connection, stream and muxer, and each one
 * from `@libp2p/logger` is three `debug` instances: about a dozen per
 * connection, a large share of a connection's memory (scripts/bench/memory.ts).
 * With logging off for a component (DEBUG is read at start), it gets the
 * shared disabled logger instead; components named in DEBUG log as usual.
 */
export function quietLogger(): ComponentLogger {
  return {
    forComponent(name: string): Logger {
      return enabled(name) || enabled(`${name}:error`) || enabled(`${name}:trace`) ? logger(name) : disabled
    }
  }
}
