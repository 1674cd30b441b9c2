import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.ts';
import {
  checkProfileName,
  clearToken,
  configDir,
  loadProfile,
  newDeviceId,
  saveProfile,
  type Profile,
} from './profiles.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lockstep-profiles-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sample: Profile = {
  server: 'http://127.0.0.1:8080',
  token: 'lss_secret',
  sessionId: 'ses_1',
  deviceId: newDeviceId(),
  email: 'a@b.test',
  platform: 'ios',
};

describe('profiles', () => {
  it('finds the config folder from LOCKSTEP_CONFIG_DIR, then XDG_CONFIG_HOME, then HOME', () => {
    expect(configDir({ LOCKSTEP_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/lockstep');
    expect(configDir({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe('/h/.config/lockstep');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/lockstep');
  });

  it('accepts letters, digits, - and _ as profile names only', () => {
    for (const good of ['default', 'phone-2', 'web_1', 'A']) expect(checkProfileName(good)).toBe(good);
    for (const bad of ['', '../x', 'a/b', 'a b', 'é', 'x'.repeat(65)])
      expect(() => checkProfileName(bad)).toThrow(UsageError);
  });

  it('saves owner-only files and reads them back', () => {
    saveProfile(dir, 'phone', sample);
    expect(statSync(join(dir, 'profiles', 'phone.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'profiles')).mode & 0o777).toBe(0o700);
    expect(loadProfile(dir, 'phone')).toEqual(sample);
    expect(loadProfile(dir, 'other')).toBeUndefined();
  });

  it('makes url-safe device ids of 16 random bytes', () => {
    const ids = new Set(Array.from({ length: 20 }, newDeviceId));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('clears only the token it was given, keeping the device id', () => {
    saveProfile(dir, 'phone', sample);
    clearToken(dir, 'phone', 'lss_other');
    expect(loadProfile(dir, 'phone')?.token).toBe('lss_secret');
    clearToken(dir, 'phone', 'lss_secret');
    expect(loadProfile(dir, 'phone')).toEqual({ ...sample, token: null, sessionId: null });
  });

  it('reports a damaged profile file instead of crashing', () => {
    saveProfile(dir, 'phone', sample);
    writeFileSync(join(dir, 'profiles', 'phone.json'), '{"server": 1');
    expect(() => loadProfile(dir, 'phone')).toThrow(CliError);
  });
});
