import type { Argv, CommandModule } from 'yargs';

/** A CLI command: registers itself on a yargs instance. */
export type Command = (y: Argv) => Argv;

/**
 * One command module. The options its builder declares type its handler's argv, so the two cannot drift
 * apart (no hand-written Args interface, no casts at registration).
 */
export function defineCommand<A>(module: CommandModule<object, A>): Command {
  return (y) => y.command(module);
}
