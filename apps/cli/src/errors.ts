import { LockstepApiError } from '@lockstep/sdk';
import type { CliIo } from './io.ts';

/** A mistake on the command line (bad flag combination, bad name); exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure of the command line itself, with a stable code for --json output. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The server refused this profile's stored session; the profile's token has already been cleared. */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
  constructor(
    readonly apiError: LockstepApiError,
    readonly profileName: string,
  ) {
    super(apiError.message);
  }
}

/** Carries the exit status of a command whose failure has already been reported. */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** A `lockstep` command line for a profile; `--profile` is left out for the default one. */
export function commandFor(profileName: string, command: string): string {
  return `lockstep ${command}${profileName === 'default' ? '' : ` --profile ${profileName}`}`;
}

/** Codes with which the server says a stored session can no longer be used. */
export const sessionEndedCodes: ReadonlySet<string> = new Set([
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'SESSION_INVALID',
]);

interface ErrorReport {
  exitCode: number;
  /** Whether this is an unexpected failure (a bug or an environment problem) rather than a refusal. */
  fault?: boolean;
  human: string;
  body: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

function apiBody(error: LockstepApiError): ErrorReport['body'] {
  return { code: error.code, message: error.message, field: error.field, details: error.details };
}

function describe(error: unknown): ErrorReport {
  if (error instanceof SessionEndedError) {
    const sentence = error.apiError.message;
    const hint = `profile ${error.profileName} is logged out now; run ${commandFor(error.profileName, 'login')} to log in again`;
    return {
      exitCode: 1,
      human: `${sentence} (${error.apiError.code})\n${hint}`,
      body: apiBody(error.apiError),
    };
  }
  if (error instanceof LockstepApiError) {
    return { exitCode: 1, human: `${error.message} (${error.code})`, body: apiBody(error) };
  }
  if (error instanceof CliError) {
    return {
      exitCode: error.exitCode,
      human: error.message,
      body: { code: error.code, message: error.message },
    };
  }
  if (error instanceof UsageError) {
    return { exitCode: 2, human: error.message, body: { code: 'USAGE', message: error.message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: 1, human: message, body: { code: 'CLI_ERROR', message }, fault: true };
}

/** Prints a failure (JSON on stdout with --json, a sentence on stderr otherwise) and returns the exit status. */
export function reportError(io: CliIo, error: unknown, json: boolean): number {
  const report = describe(error);
  if (json) io.stdout.write(`${JSON.stringify(report.body)}\n`);
  else io.stderr.write(`error: ${report.human}\n`);
  // Stack traces are for faults, not for refusals; LOCKSTEP_DEBUG shows them when chasing a bug.
  if (report.fault && io.env.LOCKSTEP_DEBUG && error instanceof Error)
    io.stderr.write(`${error.stack ?? ''}\n`);
  return report.exitCode;
}
