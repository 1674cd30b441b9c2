import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { platforms, type Platform } from '@lockstep/protocol';
import { CliError, UsageError } from './errors.ts';

/**
 * One profile is one device of an account as the server sees it: its own device id and its own
 * session token. It never holds a password.
 */
export interface Profile {
  server: string;
  token: string | null;
  sessionId: string | null;
  deviceId: string;
  email: string | null;
  platform: Platform | null;
}

/** A profile that holds a session token. */
export type LoggedInProfile = Profile & { token: string; sessionId: string };

const profileNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Returns the name if it is a valid profile name, else throws a usage error; names become file names. */
export function checkProfileName(name: string): string {
  if (!profileNamePattern.test(name)) {
    throw new UsageError(`invalid profile name "${name}": use 1-64 letters, digits, - or _`);
  }
  return name;
}

/** The folder of profiles: LOCKSTEP_CONFIG_DIR, else $XDG_CONFIG_HOME/lockstep, else ~/.config/lockstep. */
export function configDir(env: Record<string, string | undefined>): string {
  if (env.LOCKSTEP_CONFIG_DIR) return env.LOCKSTEP_CONFIG_DIR;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lockstep');
  return join(env.HOME || homedir(), '.config', 'lockstep');
}

/** The file that holds a profile. */
export function profilePath(dir: string, name: string): string {
  return join(dir, 'profiles', `${checkProfileName(name)}.json`);
}

/** A fresh installation id for a profile, sent with every login so the server can tell devices apart. */
export function newDeviceId(): string {
  return randomBytes(16).toString('base64url');
}

const nullableString = (value: unknown): boolean => value === null || typeof value === 'string';

function isProfile(value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.server === 'string' &&
    typeof p.deviceId === 'string' &&
    nullableString(p.token) &&
    nullableString(p.sessionId) &&
    nullableString(p.email) &&
    (p.platform === null || platforms.includes(p.platform as Platform))
  );
}

/** Reads a profile; undefined when it was never saved. */
export function loadProfile(dir: string, name: string): Profile | undefined {
  const path = profilePath(dir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isProfile(parsed)) {
    throw new CliError('PROFILE_UNREADABLE', `profile file ${path} is damaged; delete it and log in again`);
  }
  return parsed;
}

/** Writes a profile readable by its owner only (file 0600, folder 0700), replacing it in one step. */
export function saveProfile(dir: string, name: string, profile: Profile): void {
  const path = profilePath(dir, name);
  const folder = join(dir, 'profiles');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // The folder may predate this version or have been made by hand; tokens inside must stay private.
  chmodSync(folder, 0o700);
  // Write-then-rename, so a crash or a second terminal never sees half a file; a new file gets the mode.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}

/**
 * Forgets a profile's session, keeping its device id, server and email. It only clears the token it
 * was given, so a login made meanwhile in another terminal is not undone.
 */
export function clearToken(dir: string, name: string, token: string): void {
  const profile = loadProfile(dir, name);
  if (!profile || profile.token !== token) return;
  saveProfile(dir, name, { ...profile, token: null, sessionId: null });
}
