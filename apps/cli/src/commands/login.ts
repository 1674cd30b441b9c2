import { Option, type Command } from 'commander';
import { platforms, type Platform } from '@lockstep/protocol';
import type { LoginResponse } from '@lockstep/sdk';
import {
  addClientOptions,
  clientAction,
  defaultDeviceName,
  type ClientFlags,
  type CommandContext,
} from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { obtainPassword } from '../password-input.ts';
import { newDeviceId, saveProfile } from '../profiles.ts';

/** The flags of `login` (and of the login `register` does). */
export interface LoginFlags extends ClientFlags {
  email?: string;
  passwordStdin?: boolean;
  platform: Platform;
  deviceName?: string;
}

/** What a login prints with --json: the server's answer without the bearer token, which stays in the profile. */
export type LoginOutput = Omit<LoginResponse, 'token' | 'csrfToken'>;

/** A login's outcome as the command line reports it. */
export interface ProfileLogin {
  response: LoginOutput;
  /** The session this profile held before, if it was signed out to make way for the new one. */
  replaced: string | undefined;
}

/** Adds --platform and --device-name, shared by `login` and `register`. */
export function addDeviceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--platform <platform>', 'kind of device to log in as')
        .choices(platforms)
        .default('desktop'),
    )
    .option(
      '--device-name <name>',
      'name shown in the device list (default: "lockstep CLI on <host> (<profile>)")',
    );
}

/**
 * Logs this profile in with its own device id, stores the new token, and signs out the session the
 * profile held before, so one profile is always one device.
 */
export async function logInProfile(
  context: CommandContext,
  email: string,
  password: string,
  flags: LoginFlags,
): Promise<ProfileLogin> {
  const previous = context.profile;
  const deviceId = previous?.deviceId ?? newDeviceId();
  const deviceName = flags.deviceName ?? defaultDeviceName(context.profileName);
  const body = { email, password, platform: flags.platform, deviceName, deviceId };
  const { token, account, session, evicted } = await context.call(() => context.client().login(body));
  const response: LoginOutput = { account, session, evicted };
  if (!token) throw new CliError('NO_TOKEN', 'the server answered the login without a bearer token');
  saveProfile(context.dir, context.profileName, {
    server: context.server,
    token,
    sessionId: response.session.id,
    deviceId,
    email: response.account.email,
    platform: flags.platform,
  });
  let replaced: string | undefined;
  if (previous?.token && previous.sessionId) {
    // The new login may already have evicted it (same platform slot); otherwise sign it out here,
    // at the server that issued it, which may not be this login's server.
    const oldClient = context.client(previous.token, previous.server);
    const gone =
      response.evicted.some((s) => s.id === previous.sessionId) ||
      (await oldClient.logout().then(
        () => true,
        () => false,
      ));
    if (gone) replaced = previous.sessionId;
  }
  return { response, replaced };
}

/** The lines that describe a login: session, platform, device, and any sessions it signed out. */
export function describeLogin(context: CommandContext, { response, replaced }: ProfileLogin): string {
  const { account, session } = response;
  const lines = [
    `Logged in as ${account.email} on profile ${context.profileName} (${context.server})`,
    `  session   ${session.id}`,
    `  platform  ${session.platform}`,
    `  device    ${session.deviceName}`,
  ];
  if (replaced) lines.push(`replaced this profile's earlier session ${replaced}`);
  for (const old of response.evicted) {
    if (old.id !== replaced)
      lines.push(`signed out your older ${old.platform} session ${old.id} (${old.deviceName})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Adds `login`. */
export function addLoginCommand(program: Command, io: CliIo): void {
  const command = program
    .command('login')
    .description('log this profile in as a device of your account')
    .option('--email <email>', "account email (default: the profile's last one)")
    .option('--password-stdin', 'read the password from the first line of stdin');
  addClientOptions(addDeviceOptions(command)).action(
    clientAction<LoginFlags>(io, async (context, flags) => {
      const email = flags.email ?? context.profile?.email;
      if (!email) throw new UsageError('--email is required');
      const password = await obtainPassword(io, { fromStdin: flags.passwordStdin === true, confirm: false });
      const login = await logInProfile(context, email, password, flags);
      context.output(login.response, () => describeLogin(context, login));
    }),
  );
}
