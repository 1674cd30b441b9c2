import { hostname } from 'node:os';
import type { Command } from 'commander';
import { LockstepApiError, LockstepClient } from '@lockstep/sdk';
import cliPackage from '../package.json' with { type: 'json' };
import {
  CliError,
  commandFor,
  ExitError,
  SessionEndedError,
  UsageError,
  reportError,
  sessionEndedCodes,
} from './errors.ts';
import type { CliIo } from './io.ts';
import {
  checkProfileName,
  clearToken,
  configDir,
  loadProfile,
  type LoggedInProfile,
  type Profile,
} from './profiles.ts';

/** The version the command line reports and sends in its User-Agent. */
export const cliVersion: string = cliPackage.version;

/** The server used when neither --server, the profile nor LOCKSTEP_SERVER names one. */
export const fallbackServer = 'http://127.0.0.1:8080';

/** The flags every command that talks to a server takes. */
export interface ClientFlags {
  server?: string;
  profile: string;
  json?: boolean;
}

/** Adds --server, --profile and --json to a command. */
export function addClientOptions(command: Command): Command {
  return command
    .option(
      '--server <url>',
      `server URL (default: the profile's server, else $LOCKSTEP_SERVER, else ${fallbackServer})`,
    )
    .option('--profile <name>', 'profile to act as; each is a separate device with its own login', 'default')
    .option('--json', 'print the server response as one JSON document');
}

/** `lockstep-cli/0.1.0 (linux; node v20.19.0)`. */
export function userAgent(): string {
  return `lockstep-cli/${cliVersion} (${process.platform}; node ${process.version})`;
}

/** The device name a profile logs in with unless --device-name is given. */
export function defaultDeviceName(profileName: string): string {
  return `lockstep CLI on ${hostname()} (${profileName})`.slice(0, 100);
}

function normalizeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--server must be a URL such as ${fallbackServer}, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--server must be an http or https URL, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

function unreachable(error: unknown): { code?: string; message: string } | undefined {
  // Node's fetch reports network failures as a TypeError whose cause says what went wrong.
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return { code: cause?.code, message: cause?.message ?? error.message };
}

/** What one run of a client command works with: its profile, its server and its output mode. */
export class CommandContext {
  readonly json: boolean;
  readonly profileName: string;
  readonly dir: string;
  readonly profile: Profile | undefined;
  readonly server: string;
  private readonly explicitServer: boolean;

  constructor(
    readonly io: CliIo,
    flags: ClientFlags,
  ) {
    this.json = flags.json === true;
    this.profileName = checkProfileName(flags.profile);
    this.dir = configDir(io.env);
    this.profile = loadProfile(this.dir, this.profileName);
    this.explicitServer = flags.server !== undefined;
    // A profile keeps talking to the server it logged in at; the environment only picks a first server.
    this.server = normalizeServer(
      flags.server ?? this.profile?.server ?? (io.env.LOCKSTEP_SERVER || fallbackServer),
    );
  }

  /** An SDK client for this command's server (or `server`), carrying `token` when given. */
  client(token?: string, server = this.server): LockstepClient {
    return new LockstepClient({ baseUrl: server, userAgent: userAgent(), ...(token ? { token } : {}) });
  }

  /** This profile's stored session, or a clear error when it has none for this server. */
  loggedIn(): LoggedInProfile {
    const profile = this.profile;
    const hint = `not logged in on profile ${this.profileName}; run ${commandFor(this.profileName, 'login')}`;
    if (!profile?.token || !profile.sessionId) throw new CliError('NOT_LOGGED_IN', hint);
    // A token is only ever sent to the server that issued it.
    if (this.explicitServer && normalizeServer(profile.server) !== this.server) {
      throw new CliError(
        'NOT_LOGGED_IN',
        `${hint} (it is logged in at ${profile.server}, not ${this.server})`,
      );
    }
    return { ...profile, token: profile.token, sessionId: profile.sessionId };
  }

  /**
   * Runs SDK calls, turning network failures into one clear sentence. When `profile` is given and the
   * server says its session is over, the stored token is cleared and the server's reason is reported.
   */
  async call<T>(work: () => Promise<T>, profile?: LoggedInProfile): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (profile && error instanceof LockstepApiError && sessionEndedCodes.has(error.code)) {
        clearToken(this.dir, this.profileName, profile.token);
        throw new SessionEndedError(error, this.profileName);
      }
      const network = unreachable(error);
      if (network) {
        const detail = network.code ?? network.message;
        throw new CliError(
          'SERVER_UNREACHABLE',
          `cannot reach the Lockstep server at ${this.server} (${detail})`,
        );
      }
      throw error;
    }
  }

  /** Prints the response as JSON with --json, else the human text. */
  output(response: unknown, human: () => string): void {
    this.io.stdout.write(this.json ? `${JSON.stringify(response, null, 2)}\n` : human());
  }
}

/**
 * Wraps a client command's work as a commander action: it opens the command's context, and any
 * failure is reported once and becomes the exit status.
 */
export function clientAction<F extends ClientFlags>(
  io: CliIo,
  work: (context: CommandContext, flags: F) => Promise<void>,
): (flags: F) => Promise<void> {
  return async (flags) => {
    try {
      await work(new CommandContext(io, flags), flags);
    } catch (error) {
      if (error instanceof ExitError) throw error;
      throw new ExitError(reportError(io, error, flags.json === true));
    }
  };
}
