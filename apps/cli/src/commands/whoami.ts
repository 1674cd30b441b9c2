import type { Command } from 'commander';
import type { MeResponse } from '@lockstep/sdk';
import { addClientOptions, clientAction, type CommandContext } from '../context.ts';
import { shortTime } from '../format.ts';
import type { CliIo } from '../io.ts';

function describeMe(context: CommandContext, { account, session }: MeResponse): string {
  return [
    `${account.email} (account ${account.id})`,
    `  profile   ${context.profileName} at ${context.server}`,
    `  session   ${session.id}`,
    `  platform  ${session.platform}`,
    `  device    ${session.deviceName}`,
    `  since     ${shortTime(session.createdAt)} UTC, expires ${shortTime(session.expiresAt)} UTC`,
    '',
  ].join('\n');
}

/** Adds `whoami`. */
export function addWhoamiCommand(program: Command, io: CliIo): void {
  const command = program.command('whoami').description('show the account and session of this profile');
  addClientOptions(command).action(
    clientAction(io, async (context) => {
      const profile = context.loggedIn();
      const me = await context.call(() => context.client(profile.token).me(), profile);
      context.output(me, () => describeMe(context, me));
    }),
  );
}
