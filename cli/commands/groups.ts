import type { Command } from 'commander'

/**
 * The subcommand group `name` of `program` (e.g. `realms`, `workers`),
 * created on first use. Several command files add their subcommands to the
 * same group this way, in any order.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name)
  if (existing !== undefined) return existing
  return program.command(name).description(description)
}
