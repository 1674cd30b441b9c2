import type { Command } from 'commander';
import type { RevokeResult } from '@lockstep/sdk';
import { addClientOptions, clientAction, type ClientFlags, type CommandContext } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { plural } from '../format.ts';
import type { CliIo } from '../io.ts';
import { confirm } from '../password-input.ts';
import { clearToken, type LoggedInProfile } from '../profiles.ts';

interface LogoutFlags extends ClientFlags {
  device?: string;
  others?: boolean;
  all?: boolean;
  yes?: boolean;
}

/** Which devices a logout signs out. */
export type LogoutMode =
  { kind: 'this' } | { kind: 'device'; id: string } | { kind: 'others' } | { kind: 'all' };

/** The one mode the flags ask for; more than one is a usage error. */
export function logoutMode(flags: LogoutFlags): LogoutMode {
  const chosen = [
    flags.device !== undefined && '--device',
    flags.others && '--others',
    flags.all && '--all',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (chosen.length > 1)
    throw new UsageError(`choose one of --device, --others and --all, not ${chosen.join(' and ')}`);
  if (flags.device !== undefined) return { kind: 'device', id: flags.device };
  if (flags.others) return { kind: 'others' };
  if (flags.all) return { kind: 'all' };
  return { kind: 'this' };
}

function question(mode: LogoutMode, profile: LoggedInProfile, profileName: string): string {
  switch (mode.kind) {
    case 'this':
      return `Log out this device (profile ${profileName}, session ${profile.sessionId})?`;
    case 'device':
      return `Sign out the device with session ${mode.id}?`;
    case 'others':
      return `Sign out every other device of ${profile.email ?? 'this account'}?`;
    case 'all':
      return `Sign out every device of ${profile.email ?? 'this account'}, this one included?`;
  }
}

function revoke(context: CommandContext, mode: LogoutMode, profile: LoggedInProfile): Promise<RevokeResult> {
  const client = context.client(profile.token);
  switch (mode.kind) {
    case 'this':
      return client.logout();
    case 'device':
      return client.logoutDevice(mode.id);
    case 'others':
      return client.logoutOthers();
    case 'all':
      return client.logoutAll();
  }
}

function describeRevoked(mode: LogoutMode, revoked: readonly string[], profile: LoggedInProfile): string {
  const self = revoked.includes(profile.sessionId);
  switch (mode.kind) {
    case 'this':
      return `Logged out this device (session ${profile.sessionId}).\n`;
    case 'device':
      return self
        ? `Signed out session ${mode.id}, which was this device.\n`
        : `Signed out session ${mode.id}.\n`;
    case 'others':
      if (revoked.length === 0) return 'No other devices were logged in.\n';
      return `Signed out ${plural(revoked.length, 'other device')}: ${revoked.join(', ')}\n`;
    case 'all':
      return revoked.length === 1
        ? 'Signed out this device, the only one logged in.\n'
        : `Signed out all ${plural(revoked.length, 'device')}, this one included.\n`;
  }
}

/** Adds `logout`: this device by default, or one device, every other device, or every device. */
export function addLogoutCommand(program: Command, io: CliIo): void {
  const command = program
    .command('logout')
    .description('log this device out, or another device (--device), all others (--others) or all (--all)')
    .option('--device <session-id>', 'sign out the device with this session id (see lockstep devices)')
    .option('--others', 'sign out every device but this one')
    .option('--all', 'sign out every device, this one included')
    .option('-y, --yes', 'do not ask for confirmation');
  addClientOptions(command).action(
    clientAction<LogoutFlags>(io, async (context, flags) => {
      const mode = logoutMode(flags);
      const profile = context.loggedIn();
      if (!flags.yes && !(await confirm(io, question(mode, profile, context.profileName)))) {
        throw new CliError('CANCELLED', 'nothing was signed out');
      }
      const result = await context.call(() => revoke(context, mode, profile), profile);
      // This profile's token is dead once its own session is among the revoked ones.
      if (result.revoked.includes(profile.sessionId))
        clearToken(context.dir, context.profileName, profile.token);
      context.output(result, () => describeRevoked(mode, result.revoked, profile));
    }),
  );
}
