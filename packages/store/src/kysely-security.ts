import type { Selectable } from 'kysely';
import type { Executor } from './kysely-executor.ts';
import type { AccountSecurityTable, AuthChallengesTable, SecurityLogTable } from './schema.ts';
import type { ChallengeRecord, SecurityLogRecord, SecurityRecord } from './records.ts';
import type { ChallengeRepository, SecurityLogRepository, SecurityRepository } from './repositories.ts';

/** The settings of an account that has never changed any. */
export function emptySecurity(accountId: number): SecurityRecord {
  return {
    accountId,
    antiPhishingCode: null,
    totpSecret: null,
    totpPendingSecret: null,
    totpPendingAt: null,
    totpEnabledAt: null,
    totpLastStep: 0,
    withdrawalHoldUntil: 0,
    withdrawalHoldReason: null,
    newDeviceHold: true,
    loginLockedAt: null,
    loginLockReason: null,
    updatedAt: 0,
  };
}

const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));

function toSecurity(row: Selectable<AccountSecurityTable>): SecurityRecord {
  return {
    accountId: Number(row.account_id),
    antiPhishingCode: row.anti_phishing_code,
    totpSecret: row.totp_secret,
    totpPendingSecret: row.totp_pending_secret,
    totpPendingAt: nullableNumber(row.totp_pending_at),
    totpEnabledAt: nullableNumber(row.totp_enabled_at),
    totpLastStep: Number(row.totp_last_step),
    withdrawalHoldUntil: Number(row.withdrawal_hold_until),
    withdrawalHoldReason: row.withdrawal_hold_reason,
    newDeviceHold: Number(row.new_device_hold) === 1,
    loginLockedAt: nullableNumber(row.login_locked_at),
    loginLockReason: row.login_lock_reason,
    updatedAt: Number(row.updated_at),
  };
}

function toRow(record: SecurityRecord): AccountSecurityTable {
  return {
    account_id: record.accountId,
    anti_phishing_code: record.antiPhishingCode,
    totp_secret: record.totpSecret,
    totp_pending_secret: record.totpPendingSecret,
    totp_pending_at: record.totpPendingAt,
    totp_enabled_at: record.totpEnabledAt,
    totp_last_step: record.totpLastStep,
    withdrawal_hold_until: record.withdrawalHoldUntil,
    withdrawal_hold_reason: record.withdrawalHoldReason,
    new_device_hold: record.newDeviceHold ? 1 : 0,
    login_locked_at: record.loginLockedAt,
    login_lock_reason: record.loginLockReason,
    updated_at: record.updatedAt,
  };
}

function toLogEntry(row: Selectable<SecurityLogTable>): SecurityLogRecord {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(row.detail) as Record<string, unknown>;
  } catch {
    // A detail that does not parse is shown empty rather than breaking the whole log.
  }
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    kind: row.kind,
    detail,
    sessionId: row.session_id,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
  };
}

export function kyselySecurity(db: Executor): SecurityRepository {
  const get = async (accountId: number): Promise<SecurityRecord> => {
    const row = await db
      .selectFrom('account_security')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? toSecurity(row) : emptySecurity(accountId);
  };
  return {
    get,
    async update(accountId, patch, at) {
      const next = toRow({ ...(await get(accountId)), ...patch, accountId, updatedAt: at });
      const changes: Partial<AccountSecurityTable> = { ...next };
      delete changes.account_id;
      await db
        .insertInto('account_security')
        .values(next)
        .onConflict((oc) => oc.column('account_id').doUpdateSet(changes))
        .execute();
    },
    async consumeTotpStep(accountId, step) {
      const result = await db
        .updateTable('account_security')
        .set({ totp_last_step: step })
        .where('account_id', '=', accountId)
        .where('totp_last_step', '<', step)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async replaceRecoveryCodes(accountId, hashes, at) {
      await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
      if (hashes.length === 0) return;
      await db
        .insertInto('recovery_codes')
        .values(hashes.map((h) => ({ account_id: accountId, code_hash: h, created_at: at, used_at: null })))
        .execute();
    },
    async useRecoveryCode(accountId, hash, at) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: at })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async unusedRecoveryCodes(accountId) {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteRecoveryCodes(accountId) {
      await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
    },
    async setStepUp(sessionId, at) {
      await db
        .insertInto('session_step_ups')
        .values({ session_id: sessionId, at })
        .onConflict((oc) => oc.column('session_id').doUpdateSet({ at }))
        .execute();
    },
    async stepUpAt(sessionId) {
      const row = await db
        .selectFrom('session_step_ups')
        .select('at')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row ? Number(row.at) : null;
    },
    async knownDeviceCount(accountId) {
      const row = await db
        .selectFrom('known_devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async forgetDevice(accountId, deviceId) {
      await db
        .deleteFrom('known_devices')
        .where('account_id', '=', accountId)
        .where('device_id', '=', deviceId)
        .execute();
    },
    async isKnownDevice(accountId, deviceId) {
      const row = await db
        .selectFrom('known_devices')
        .select('device_id')
        .where('account_id', '=', accountId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async rememberDevice(accountId, deviceId, at) {
      const result = await db
        .insertInto('known_devices')
        .values({ account_id: accountId, device_id: deviceId, first_seen_at: at })
        .onConflict((oc) => oc.columns(['account_id', 'device_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}

export function kyselySecurityLog(db: Executor): SecurityLogRepository {
  return {
    async insert(entry) {
      await db
        .insertInto('security_log')
        .values({
          account_id: entry.accountId,
          kind: entry.kind,
          detail: JSON.stringify(entry.detail),
          session_id: entry.sessionId,
          ip: entry.ip,
          user_agent: entry.userAgent,
          created_at: entry.createdAt,
        })
        .execute();
    },
    async page(accountId, before, limit) {
      let query = db.selectFrom('security_log').selectAll().where('account_id', '=', accountId);
      if (before !== undefined) query = query.where('id', '<', before);
      const rows = await query.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toLogEntry);
    },
  };
}

function toChallenge(row: Selectable<AuthChallengesTable>): ChallengeRecord {
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    // Unreadable data leaves the challenge undecidable rather than crashing a request.
  }
  return {
    id: row.id,
    kind: row.kind,
    accountId: row.account_id === null ? null : Number(row.account_id),
    secretHash: row.secret_hash,
    waitHash: row.wait_hash,
    status: row.status,
    data,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    decidedAt: nullableNumber(row.decided_at),
  };
}

export function kyselyChallenges(db: Executor): ChallengeRepository {
  return {
    async insert(challenge) {
      await db
        .insertInto('auth_challenges')
        .values({
          id: challenge.id,
          kind: challenge.kind,
          account_id: challenge.accountId,
          secret_hash: challenge.secretHash,
          wait_hash: challenge.waitHash,
          status: challenge.status,
          data: JSON.stringify(challenge.data),
          created_at: challenge.createdAt,
          expires_at: challenge.expiresAt,
          decided_at: challenge.decidedAt,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom('auth_challenges').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toChallenge(row);
    },
    async findBySecretHash(hash) {
      const row = await db
        .selectFrom('auth_challenges')
        .selectAll()
        .where('secret_hash', '=', hash)
        .executeTakeFirst();
      return row && toChallenge(row);
    },
    async listOpen(accountId, kind, now) {
      const rows = await db
        .selectFrom('auth_challenges')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at', 'asc')
        .execute();
      return rows.map(toChallenge);
    },
    async decide(id, from, to, at) {
      const result = await db
        .updateTable('auth_challenges')
        .set({ status: to, decided_at: at })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async bindAccount(id, accountId, at) {
      const result = await db
        .updateTable('auth_challenges')
        .set({ account_id: accountId, status: 'scanned', decided_at: at })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'scanned'])
        .where((eb) => eb.or([eb('account_id', 'is', null), eb('account_id', '=', accountId)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async expireOpen(accountId, kind, at) {
      await db
        .updateTable('auth_challenges')
        .set({ status: 'expired', decided_at: at })
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .where('status', 'in', ['pending', 'approved'])
        .execute();
    },
  };
}
