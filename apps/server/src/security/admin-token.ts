import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, tokenMatchesHash } from './tokens.ts';

/** The operator credential's file in the data folder; whoever can read the folder runs the exchange. */
export const adminTokenFileName = 'admin-token';

/**
 * Returns the hash of the operator token kept in `dataDir/admin-token`, creating the file (mode
 * 0600) on first start. Operator commands (`lockstep admin …`) read it from the same folder, so
 * the right to act as operator is the right to read the server's data.
 */
export function ensureAdminToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, adminTokenFileName);
  if (!existsSync(file)) {
    writeFileSync(file, `lsa_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return hashToken(readFileSync(file, 'utf8').trim());
}

/** Reads the operator token from a data folder (for the command line). */
export function readAdminToken(dataDir: string): string {
  return readFileSync(join(dataDir, adminTokenFileName), 'utf8').trim();
}

/** Whether a presented operator token is the right one, in constant time. */
export function adminTokenMatches(presented: string | undefined, storedHash: string): boolean {
  return typeof presented === 'string' && presented.length > 0 && tokenMatchesHash(presented, storedHash);
}
