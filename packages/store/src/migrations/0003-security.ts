import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Account security (issue 4): per-account settings (anti-phishing code, TOTP, withdrawal hold),
 * single-use recovery codes (hashed), the user-readable security log, step-up times per session,
 * and the devices an account has logged in from (a login from any other is a new device).
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('account_security')
    .addColumn('account_id', 'integer', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('anti_phishing_code', 'text')
    // TOTP secrets are sealed (AES-256-GCM) with the server's secret key, never stored in clear.
    .addColumn('totp_secret', 'text')
    .addColumn('totp_pending_secret', 'text')
    .addColumn('totp_pending_at', 'bigint')
    .addColumn('totp_enabled_at', 'bigint')
    // The last TOTP time step accepted: a code of that step or earlier never works again.
    .addColumn('totp_last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('withdrawal_hold_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('withdrawal_hold_reason', 'text')
    // A10's account policy: a login from a new device holds withdrawals (1, the default) or not (0).
    .addColumn('new_device_hold', 'integer', (c) => c.notNull().defaultTo(1))
    // Set by "Not me" (A9): login is refused until the password is reset from the emailed link.
    .addColumn('login_locked_at', 'bigint')
    .addColumn('login_lock_reason', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pk', ['account_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('security_log')
    .addColumn('id', ctx.autoIdType, (c) => ctx.autoId(c))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('security_log_account')
    .on('security_log')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('session_step_ups')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();

  // Things that wait for a decision: security alerts ("It was me" / "Not me"), emailed links
  // (password reset, new-device verification) and the logins waiting on them. A link's token and
  // a waiting device's token are stored only as hashes; `status` moves by guarded updates, so
  // each is decided once.
  await db.schema
    .createTable('auth_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // Null only for a QR login code no phone has scanned yet: it belongs to nobody until then.
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id'))
    .addColumn('secret_hash', 'text', (c) => c.unique())
    .addColumn('wait_hash', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('auth_challenges_account')
    .on('auth_challenges')
    .columns(['account_id', 'kind', 'status'])
    .execute();

  await db.schema
    .createTable('known_devices')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_devices_pk', ['account_id', 'device_id'])
    .execute();
}
