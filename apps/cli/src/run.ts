import { Command, CommanderError } from 'commander';
import { addAdminCommand } from './commands/admin.ts';
import { addDevicesCommand } from './commands/devices.ts';
import { addHistoryCommand } from './commands/history.ts';
import { addLoginCommand } from './commands/login.ts';
import { addLogoutCommand } from './commands/logout.ts';
import { addQrCommand } from './commands/qr.ts';
import { addRegisterCommand } from './commands/register.ts';
import { addServeCommand } from './commands/serve.ts';
import { addWhoamiCommand } from './commands/whoami.ts';
import { addWatchCommand } from './commands/watch.ts';
import { cliVersion } from './context.ts';
import { ExitError, reportError } from './errors.ts';
import { processIo, type CliIo } from './io.ts';

/** The `lockstep` program; a fresh one per run, since commander keeps parsed values on it. */
export async function buildProgram(io: CliIo, argv: readonly string[]): Promise<Command> {
  const program = new Command('lockstep')
    .description('Lockstep on the command line: your account and its devices')
    .version(cliVersion)
    // Set before the commands are added, so every command inherits them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');
  await addServeCommand(program, argv);
  addRegisterCommand(program, io);
  addLoginCommand(program, io);
  addDevicesCommand(program, io);
  addLogoutCommand(program, io);
  addQrCommand(program, io);
  addHistoryCommand(program, io);
  addWhoamiCommand(program, io);
  addWatchCommand(program, io);
  addAdminCommand(program, io);
  return program;
}

/**
 * Runs one command line (without `node` and the script) and resolves with its exit status: 0 on
 * success, 1 when the server or the command refused, 2 on a usage error.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const program = await buildProgram(io, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitError) return error.exitCode;
    // Commander has already printed its message (or the help or version it was asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(io, error, false);
  }
}
