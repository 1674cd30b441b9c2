import type { Command } from 'commander';

/**
 * Adds `serve`, with the server's own options. The server's modules take most of a second to load,
 * so they are loaded only when the command line names `serve`; other commands see a bare entry
 * that only lists it in the help.
 */
export async function addServeCommand(program: Command, argv: readonly string[]): Promise<void> {
  const command = program.command('serve').description('run the Lockstep server');
  if (!argv.includes('serve')) return;
  const server = await import('@lockstep/server');
  server.addServeOptions(command).action(async (flags: Parameters<typeof server.serve>[0]) => {
    await server.serve(flags);
  });
}
