import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as enDictionary, translations } from '@zxcvbn-ts/language-en';
import { LockstepError, passwordLengthMax, passwordLengthMin } from '@lockstep/protocol';
import { loadBreachedPasswords } from './breached-passwords.ts';

/** zxcvbn scores 0-4; below this the password is refused as weak. */
const strengthScoreMin = 3;
/**
 * zxcvbn's cost grows faster than linearly with length (a random 100-character password took about
 * a second); a passphrase's strength is settled by its first 64 characters, so only those are
 * scored. The password itself is never truncated.
 */
const strengthInputLengthMax = 64;
/**
 * zxcvbn tries l33t-speak substitutions combinatorially; 10 keeps the usual ones (a→4, o→0, e→3…)
 * and cuts scoring time about eightfold, so registration cannot be used to burn CPU.
 */
const l33tSubstitutionsMax = 10;

let estimator: ZxcvbnFactory | undefined;
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    translations,
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...enDictionary },
    l33tMaxSubstitutions: l33tSubstitutionsMax,
  });
  return estimator;
}

/** Passwords are compared after NFKC normalisation, so the same typed text always matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Checks a new password against the rules of A1 and throws a LockstepError naming the rule that
 * failed. Composition rules are deliberately absent (NIST SP 800-63B).
 */
export function assertAcceptablePassword(
  password: string,
  context: { email: string },
  field = 'password',
): void {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < passwordLengthMin) {
    throw new LockstepError(
      'PASSWORD_TOO_SHORT',
      `${field} must have at least ${passwordLengthMin} characters; it has ${length}`,
      { field },
    );
  }
  if (length > passwordLengthMax) {
    throw new LockstepError(
      'PASSWORD_TOO_LONG',
      `${field} may have at most ${passwordLengthMax} characters`,
      {
        field,
      },
    );
  }
  if (loadBreachedPasswords().has(normalized)) {
    throw new LockstepError(
      'PASSWORD_BREACHED',
      `${field} is in a list of common and breached passwords; choose another one`,
      { field },
    );
  }
  const emailParts = context.email
    .toLowerCase()
    .split(/[@.+_-]/)
    .filter((p) => p.length >= 3);
  const result = strengthEstimator().check(
    withoutEmail(normalized, context.email).slice(0, strengthInputLengthMax),
    [context.email, ...emailParts, 'lockstep'],
  );
  if (result.score < strengthScoreMin) {
    const hint = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
    throw new LockstepError(
      'PASSWORD_WEAK',
      `${field} is too easy to guess (strength ${result.score} of 4, at least ${strengthScoreMin} needed)` +
        (hint ? `: ${hint}` : ''),
      { field, details: { score: result.score } },
    );
  }
}

/**
 * The password with every copy of the account's email (and of its local part) taken out: text an
 * attacker already knows adds no strength, and removing it keeps it from filling the scored prefix.
 */
function withoutEmail(password: string, email: string): string {
  const local = email.split('@')[0] ?? '';
  let rest = password;
  for (const known of [email, local]) {
    if (known.length < 3) continue;
    const escaped = known.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    rest = rest.replace(new RegExp(escaped, 'gi'), '');
  }
  return rest;
}

/** OWASP's recommended argon2id parameters (19 MiB, 2 passes, 1 lane). */
const argon2Options = {
  // Algorithm.Argon2id is 2; the enum is a const enum that isolated modules cannot read.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), argon2Options);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, normalizePassword(password));
}

let dummyHash: Promise<string> | undefined;
/**
 * Verifies against a throwaway hash when the account does not exist, so the response time does not
 * tell an attacker which emails are registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('lockstep-dummy-password-for-timing');
  await verify(await dummyHash, normalizePassword(password));
  return false;
}
