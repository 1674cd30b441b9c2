import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { platforms, type Platform } from '@lockstep/protocol';
import { openSqliteStore, type Repositories, type Store } from '@lockstep/store';
import { resolveConfig } from '@lockstep/server';
import { AuthService } from '../../apps/server/src/services/auth-service.ts';
import { createMemoryBus } from '../../apps/server/src/services/event-bus.ts';
import { hashPassword } from '../../apps/server/src/security/password-policy.ts';

/** One seeded account: its email (for admin deposits) and one session token per device. */
export interface SeededAccount {
  id: number;
  email: string;
  devices: Array<{ platform: Platform; token: string; sessionId: string }>;
}

export const benchPassword = 'violet-Harbor-91-quasar-Lantern';

/** Accounts whose sign-ups and logins share one commit while seeding. */
const accountsPerCommit = 100;

/**
 * Creates `accounts` accounts with `devicesPerAccount` signed-in devices each, in the data folder
 * the server will then open, before it starts.
 *
 * Why not register and log in over HTTP: that is one argon2id hash per registration and one
 * verification per login (≈ 100 ms of CPU each here: 2,000 + 10,000 of them is over 15 minutes),
 * and logins are rate limited per IP and ask new devices for email approval. None of that is what
 * this bench measures, so:
 * - accounts are created through the store exactly as `AuthService.register` creates them, but
 *   with ONE argon2id hash of one password reused for all (same format, same cost parameters);
 * - sessions are created by the server's own `AuthService.completeVerifiedLogin`, the path a login
 *   takes once its password (and any email approval) passed: real tokens from `newToken`, stored
 *   only as their SHA-256 `hashToken`, the slot policy, `session.created` on the account stream
 *   and a login-history row. Only the password check and the security guard (known devices,
 *   alert emails) are skipped.
 * One commit per login would be 10,000 fsyncs (6–26 s here, with the VM busy or not); instead the service is handed a
 * view of the store whose transactions are one outer transaction per `accountsPerCommit`
 * accounts, so the same code writes the same rows with 20 commits.
 * Devices use one platform each (desktop, web, ios, android, ipad), so no slot evicts another.
 */
export async function seedAccounts(
  dataDir: string,
  accounts: number,
  devicesPerAccount: number,
): Promise<SeededAccount[]> {
  if (devicesPerAccount > platforms.length)
    throw new Error(`at most ${platforms.length} devices per account (one per platform)`);
  const store = await openSqliteStore(join(dataDir, 'lockstep.db'));
  try {
    const config = resolveConfig({ dataDir });
    const bus = createMemoryBus();
    const passwordHash = await hashPassword(benchPassword);
    const seeded: SeededAccount[] = [];
    for (let first = 0; first < accounts; first += accountsPerCommit) {
      await store.transaction(async (repos) => {
        const auth = new AuthService(withinTransaction(store, repos), bus, config);
        for (let i = first; i < Math.min(accounts, first + accountsPerCommit); i += 1) {
          const email = `sync-${i}@example.test`;
          const account = await repos.accounts.create({
            email,
            passwordHash,
            createdAt: config.now(),
            streamEpoch: randomBytes(8).toString('hex'),
          });
          const devices: SeededAccount['devices'] = [];
          for (const platform of platforms.slice(0, devicesPerAccount)) {
            const outcome = await auth.completeVerifiedLogin(
              account.id,
              { platform, deviceId: `dev_sync_${i}_${platform}`, deviceName: `bench ${platform}` },
              { ip: '127.0.0.1', userAgent: 'lockstep-bench-sync' },
            );
            devices.push({ platform, token: outcome.token, sessionId: outcome.session.id });
          }
          seeded.push({ id: account.id, email, devices });
        }
      });
    }
    return seeded;
  } finally {
    await store.close();
  }
}

/** The store as seen from inside one open transaction: every read, write and "transaction" joins it. */
function withinTransaction(store: Store, repos: Repositories): Store {
  return {
    dialect: store.dialect,
    repos,
    transaction: (fn) => fn(repos),
    readConsistent: (fn) => fn(repos),
    ping: () => store.ping(),
    close: () => Promise.reject(new Error('not closable from inside a transaction')),
  };
}
