import { Command } from 'commander';
import { addServeOptions, serve } from './serve.ts';

// `npm start`: the whole exchange on embedded storage.
const program = addServeOptions(new Command('lockstep-server').description('Run the Lockstep server'));
program.action(async (flags: Parameters<typeof serve>[0]) => {
  await serve(flags);
});
program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`lockstep: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
