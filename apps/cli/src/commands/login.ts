import { Option, type Command } from 'commander';
import QRCode from 'qrcode';
import { platforms, type Platform } from '@lockstep/protocol';
import type { LoginResponse, QrStartView } from '@lockstep/sdk';
import {
  addClientOptions,
  clientAction,
  defaultDeviceName,
  type ClientFlags,
  type CommandContext,
} from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { printable, shortTime } from '../format.ts';
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

/** The device a profile logs in as: its own id, kept across logins, and the name to list it under. */
function profileDevice(context: CommandContext, flags: LoginFlags): { deviceId: string; deviceName: string } {
  return {
    deviceId: context.profile?.deviceId ?? newDeviceId(),
    deviceName: flags.deviceName ?? defaultDeviceName(context.profileName),
  };
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
  const device = profileDevice(context, flags);
  const body = { email, password, platform: flags.platform, ...device };
  const result = await context.call(() =>
    context.client().login(body, {
      // The wait happens on stderr's side of the screen: stdout stays the login's result alone.
      onVerification: (v) =>
        context.io.stderr.write(
          `${v.reason === 'new_device' ? 'This device is new to the account' : 'Many devices are signed in'}: ` +
            `open the link emailed to ${email} to approve this login (valid until ${v.expiresAt}). Waiting…\n`,
        ),
    }),
  );
  return keepLogin(context, result, device.deviceId, flags.platform);
}

/**
 * Logs this profile in by QR code (A3): shows a code for a logged-in phone to scan and confirm,
 * waits for the confirmation, then keeps the session exactly as a password login does.
 */
export async function logInProfileByQr(context: CommandContext, flags: LoginFlags): Promise<ProfileLogin> {
  const platform = flags.platform;
  // The phone that confirms is the trusted device; a QR login only brings a desktop or a browser in.
  if (platform !== 'desktop' && platform !== 'web') {
    throw new UsageError(`--qr logs in a desktop or web device, not ${platform}`);
  }
  const device = profileDevice(context, flags);
  const client = context.client();
  const qr = await context.call(() => client.startQrLogin({ platform, ...device }));
  context.io.stderr.write(await qrInstructions(qr));
  let scanned = false;
  const result = await context.call(() =>
    client.waitForQrLogin(qr, {
      // The server repeats the status on every long poll; saying it once is enough.
      onStatus: (status) => {
        if (status !== 'scanned' || scanned) return;
        scanned = true;
        context.io.stderr.write('scanned on a phone, waiting for confirmation\n');
      },
    }),
  );
  return keepLogin(context, result, device.deviceId, platform);
}

/** The QR code to scan, the same code as text (for `lockstep qr approve`), and until when it works. */
async function qrInstructions(qr: QrStartView): Promise<string> {
  const code = printable(qr.code);
  // The terminal renderer paints both colours itself, so the code scans on dark and light themes alike.
  const picture = await QRCode.toString(qr.code, { type: 'terminal', small: true });
  return [
    picture.trimEnd(),
    'Scan this code with a phone that is logged in to your account, or run there:',
    `  lockstep qr approve ${code}`,
    `The code works once, until ${printable(shortTime(qr.expiresAt))} UTC. Waiting…`,
    '',
  ].join('\n');
}

/**
 * Stores a fresh session as this profile's and signs out the session the profile held before, at
 * the server that issued it. Every way of logging in ends here, so they all leave the same profile.
 */
async function keepLogin(
  context: CommandContext,
  { token, account, session, evicted }: LoginResponse,
  deviceId: string,
  platform: Platform,
): Promise<ProfileLogin> {
  const previous = context.profile;
  const response: LoginOutput = { account, session, evicted };
  if (!token) throw new CliError('NO_TOKEN', 'the server answered the login without a bearer token');
  saveProfile(context.dir, context.profileName, {
    server: context.server,
    token,
    sessionId: response.session.id,
    deviceId,
    email: response.account.email,
    platform,
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

/** The flags of the `login` command itself: a password login's, or --qr. */
interface LoginCommandFlags extends LoginFlags {
  qr?: boolean;
}

/** Adds `login`. */
export function addLoginCommand(program: Command, io: CliIo): void {
  const command = program
    .command('login')
    .description('log this profile in as a device of your account, with a password or a QR code')
    .option('--email <email>', "account email (default: the profile's last one)")
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--qr', 'show a QR code for a logged-in phone to confirm, instead of a password');
  addClientOptions(addDeviceOptions(command)).action(
    clientAction<LoginCommandFlags>(io, async (context, flags) => {
      let login: ProfileLogin;
      if (flags.qr) {
        // The phone that confirms decides which account this is; an email or password has no part.
        const conflicting = [
          flags.email !== undefined && '--email',
          flags.passwordStdin && '--password-stdin',
        ];
        const given = conflicting.filter((flag): flag is string => typeof flag === 'string');
        if (given.length > 0) throw new UsageError(`--qr cannot be combined with ${given.join(' or ')}`);
        login = await logInProfileByQr(context, flags);
      } else {
        const email = flags.email ?? context.profile?.email;
        if (!email) throw new UsageError('--email is required');
        const fromStdin = flags.passwordStdin === true;
        const password = await obtainPassword(io, { fromStdin, confirm: false });
        login = await logInProfile(context, email, password, flags);
      }
      context.output(login.response, () => describeLogin(context, login));
    }),
  );
}
