/** A configuration value that cannot be used; the message names the source, key and reason. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(
    message: string,
    readonly source?: string,
    readonly key?: string
  ) {
    super(message)
  }
}
