import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { AccountsTable, LoginHistoryTable, LoginThrottleTable, SessionsTable } from './schema.ts';
import type {
  AccountRecord,
  LoginHistoryRecord,
  SessionRecord,
  StoredEvent,
  ThrottleRecord,
} from './records.ts';
import type { Repositories } from './repositories.ts';
import { BulkInsert, type Dialect, type Executor } from './kysely-executor.ts';
import { kyselyJournal, kyselySnapshots } from './kysely-engine-log.ts';
import { kyselyBalances } from './kysely-balances.ts';
import { kyselyOrders } from './kysely-orders.ts';
import { kyselyCandles, kyselyTrades } from './kysely-market-data.ts';
import { kyselyDepositAddresses, kyselyDeposits, kyselyWithdrawals } from './kysely-wallet.ts';
import { kyselyChallenges, kyselySecurity, kyselySecurityLog } from './kysely-security.ts';
import { kyselyApiKeys } from './kysely-api-keys.ts';
import {
  kyselyKyc,
  kyselyNotifications,
  kyselyPreferences,
  kyselyPriceAlerts,
  kyselyWatchlists,
} from './kysely-sync.ts';

/** SQL `in` lists are bounded so one statement never grows past the drivers' parameter limits. */
const inListMax = 500;

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    accountId: Number(row.account_id),
    tokenHash: row.token_hash,
    csrfHash: row.csrf_hash,
    deviceId: row.device_id,
    deviceName: row.device_name,
    platform: row.platform,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    lastActiveAt: Number(row.last_active_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokeReason: row.revoke_reason,
  };
}

function toAccount(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: Number(row.id),
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: Number(row.created_at),
    streamEpoch: row.stream_epoch,
    streamSeq: Number(row.stream_seq),
  };
}

function toThrottle(row: Selectable<LoginThrottleTable>): ThrottleRecord {
  return {
    key: row.key,
    failures: Number(row.failures),
    windowStartedAt: Number(row.window_started_at),
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
  };
}

function toLoginHistory(row: Selectable<LoginHistoryTable>): LoginHistoryRecord {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    success: Number(row.success) === 1,
    failureReason: row.failure_reason,
    sessionId: row.session_id,
    platform: row.platform,
    deviceName: row.device_name,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
  };
}

/**
 * Accounts per statement in `advanceSeqs`. SQLite tries a CASE's branches in turn for every row,
 * so a statement costs about the square of its accounts: past a few hundred, separate statements
 * are cheaper (measured: 100 accounts 0.2 ms, 2,000 accounts 19 ms as one statement).
 */
const advanceSeqsChunk = 200;

/**
 * The SQLite statement advancing `accounts` stream heads of `n` accounts: parameters are the
 * (id, count) pairs of the CASE, then the ids. Its text is kept per `n`, like BulkInsert's: Kysely's
 * builder took longer to build and compile it than SQLite took to run it, once a batch.
 */
const advanceSeqsTexts = new Map<number, string>();
function advanceSeqsText(n: number): string {
  let text = advanceSeqsTexts.get(n);
  if (text === undefined) {
    text =
      `update "accounts" set "stream_seq" = "stream_seq" + (case "id" ${'when ? then ? '.repeat(n)}end) ` +
      `where "id" in (${new Array<string>(n).fill('?').join(', ')}) ` +
      `returning "id", "stream_epoch", "stream_seq"`;
    advanceSeqsTexts.set(n, text);
  }
  return text;
}

/** What an event's `data` column holds: the writer's own text when it made one. */
function storedData(e: StoredEvent): string {
  return e.json ?? JSON.stringify(e.data);
}

const eventInsert = new BulkInsert(
  'account_events',
  ['account_id', 'seq', 'type', 'data', 'created_at'],
  (e: StoredEvent) => [e.accountId, e.seq, e.type, storedData(e), e.createdAt],
);

/** Repositories over one Kysely executor: the database itself, or an open transaction. */
export function kyselyRepositories(db: Executor, dialect: Dialect): Repositories {
  // SQLite has no row locks (and needs none: its transactions run one at a time).
  const rowLocks = dialect === 'postgres';
  const advanceSeq = async (accountId: number, count: number) => {
    const row = await db
      .updateTable('accounts')
      .set({ stream_seq: sql`stream_seq + ${count}` })
      .where('id', '=', accountId)
      .returning(['stream_epoch', 'stream_seq'])
      .executeTakeFirst();
    if (row === undefined) throw new Error(`no account ${accountId} to advance the stream of`);
    return { epoch: row.stream_epoch, seq: Number(row.stream_seq) };
  };
  const advanceSeqs = async (given: ReadonlyArray<{ accountId: number; count: number }>) => {
    // An account named twice advances by the sum, on both databases.
    const merged = new Map<number, number>();
    for (const { accountId, count } of given) merged.set(accountId, (merged.get(accountId) ?? 0) + count);
    const counts = [...merged].map(([accountId, count]) => ({ accountId, count }));
    const heads = new Map<number, { epoch: string; seq: number }>();
    if (rowLocks) {
      // PostgreSQL: one row at a time in id order, so two transactions never lock in a cycle.
      const sorted = [...counts].sort((a, b) => a.accountId - b.accountId);
      for (const { accountId, count } of sorted) heads.set(accountId, await advanceSeq(accountId, count));
      return heads;
    }
    // SQLite: transactions run one at a time, so one statement serves the whole batch.
    for (let from = 0; from < counts.length; from += advanceSeqsChunk) {
      const chunk = counts.slice(from, from + advanceSeqsChunk);
      const parameters: number[] = [];
      for (const c of chunk) parameters.push(c.accountId, c.count);
      for (const c of chunk) parameters.push(c.accountId);
      const { rows } = await db.executeQuery<
        Pick<Selectable<AccountsTable>, 'id' | 'stream_epoch' | 'stream_seq'>
      >(CompiledQuery.raw(advanceSeqsText(chunk.length), parameters));
      for (const row of rows)
        heads.set(Number(row.id), { epoch: row.stream_epoch, seq: Number(row.stream_seq) });
    }
    for (const { accountId } of counts) {
      if (!heads.has(accountId)) throw new Error(`no account ${accountId} to advance the stream of`);
    }
    return heads;
  };
  return {
    accounts: {
      async create(input) {
        const row = await db
          .insertInto('accounts')
          .values({
            email: input.email,
            password_hash: input.passwordHash,
            created_at: input.createdAt,
            stream_epoch: input.streamEpoch,
            stream_seq: 0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return { ...input, id: Number(row.id), streamSeq: 0 };
      },
      async findByEmail(email) {
        const row = await db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
        return row && toAccount(row);
      },
      async findById(id) {
        const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toAccount(row);
      },
      async setPasswordHash(id, passwordHash) {
        await db.updateTable('accounts').set({ password_hash: passwordHash }).where('id', '=', id).execute();
      },
      nextSeq: (accountId) => advanceSeq(accountId, 1),
      advanceSeq,
      advanceSeqs,
      async lock(accountId) {
        if (!rowLocks) return;
        await db.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
      },
      async streamHead(accountId) {
        const row = await db
          .selectFrom('accounts')
          .select(['stream_epoch', 'stream_seq'])
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow();
        return { epoch: row.stream_epoch, seq: Number(row.stream_seq) };
      },
      async streamHeads(accountIds) {
        if (accountIds.length === 0) return [];
        const rows = await db
          .selectFrom('accounts')
          .select(['id', 'stream_epoch', 'stream_seq'])
          .where('id', 'in', [...accountIds])
          .execute();
        return rows.map((row) => ({
          accountId: Number(row.id),
          epoch: row.stream_epoch,
          seq: Number(row.stream_seq),
        }));
      },
    },
    sessions: {
      async insert(s) {
        await db
          .insertInto('sessions')
          .values({
            id: s.id,
            account_id: s.accountId,
            token_hash: s.tokenHash,
            csrf_hash: s.csrfHash,
            device_id: s.deviceId,
            device_name: s.deviceName,
            platform: s.platform,
            ip: s.ip,
            user_agent: s.userAgent,
            created_at: s.createdAt,
            last_active_at: s.lastActiveAt,
            absolute_expires_at: s.absoluteExpiresAt,
            revoked_at: s.revokedAt,
            revoke_reason: s.revokeReason,
          })
          .execute();
      },
      async findByTokenHash(tokenHash) {
        const row = await db
          .selectFrom('sessions')
          .selectAll()
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        return row && toSession(row);
      },
      async findById(accountId, id) {
        const row = await db
          .selectFrom('sessions')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .executeTakeFirst();
        return row && toSession(row);
      },
      async listUnrevoked(accountId) {
        const rows = await db
          .selectFrom('sessions')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('revoked_at', 'is', null)
          .orderBy('created_at', 'asc')
          .orderBy('id', 'asc')
          .execute();
        return rows.map(toSession);
      },
      async listExpired(now, idleMs, limit) {
        const rows = await db
          .selectFrom('sessions')
          .selectAll()
          .where('revoked_at', 'is', null)
          .where((eb) =>
            eb.or([eb('absolute_expires_at', '<=', now), eb('last_active_at', '<=', now - idleMs)]),
          )
          .orderBy('last_active_at', 'asc')
          .limit(limit)
          .execute();
        return rows.map(toSession);
      },
      async revoke(accountId, ids, at, reason) {
        const revoked: SessionRecord[] = [];
        for (let i = 0; i < ids.length; i += inListMax) {
          const chunk = ids.slice(i, i + inListMax);
          const rows = await db
            .updateTable('sessions')
            .set({ revoked_at: at, revoke_reason: reason })
            .where('account_id', '=', accountId)
            .where('id', 'in', chunk)
            .where('revoked_at', 'is', null)
            .returningAll()
            .execute();
          revoked.push(...rows.map(toSession));
        }
        return revoked;
      },
      async rotateToken(id, tokenHash, csrfHash) {
        await db
          .updateTable('sessions')
          .set({ token_hash: tokenHash, csrf_hash: csrfHash })
          .where('id', '=', id)
          .execute();
      },
      async touch(id, at) {
        await db.updateTable('sessions').set({ last_active_at: at }).where('id', '=', id).execute();
      },
    },
    events: {
      async append(e) {
        await db
          .insertInto('account_events')
          .values({
            account_id: e.accountId,
            seq: e.seq,
            type: e.type,
            data: storedData(e),
            created_at: e.createdAt,
          })
          .execute();
      },
      async appendMany(events) {
        await eventInsert.run(db, dialect, events);
      },
      async listAfter(accountId, afterSeq, limit) {
        const rows = await db
          .selectFrom('account_events')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('seq', '>', afterSeq)
          .orderBy('seq', 'asc')
          .limit(limit)
          .execute();
        return rows.map((r) => ({
          accountId: Number(r.account_id),
          seq: Number(r.seq),
          type: r.type,
          data: JSON.parse(r.data) as unknown,
          createdAt: Number(r.created_at),
        }));
      },
    },
    loginHistory: {
      async insert(entry) {
        await db
          .insertInto('login_history')
          .values({
            account_id: entry.accountId,
            success: entry.success ? 1 : 0,
            failure_reason: entry.failureReason,
            session_id: entry.sessionId,
            platform: entry.platform,
            device_name: entry.deviceName,
            ip: entry.ip,
            user_agent: entry.userAgent,
            created_at: entry.createdAt,
          })
          .execute();
      },
      async page(accountId, before, limit) {
        let q = db.selectFrom('login_history').selectAll().where('account_id', '=', accountId);
        if (before !== undefined) q = q.where('id', '<', before);
        const rows = await q.orderBy('id', 'desc').limit(limit).execute();
        return rows.map(toLoginHistory);
      },
    },
    throttle: {
      async get(key) {
        const row = await db
          .selectFrom('login_throttle')
          .selectAll()
          .where('key', '=', key)
          .executeTakeFirst();
        return row && toThrottle(row);
      },
      async getForUpdate(key, now) {
        // One upsert that always returns the row and, on PostgreSQL, holds its lock: a separate
        // insert-if-missing then select could find nothing when another transaction deleted the
        // row in between (a successful login clears its email's counter).
        const row = await db
          .insertInto('login_throttle')
          .values({ key, failures: 0, window_started_at: now, locked_until: null })
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ key: eb.ref('excluded.key') })))
          .returningAll()
          .executeTakeFirstOrThrow();
        return toThrottle(row);
      },
      async put(r) {
        const values = {
          key: r.key,
          failures: r.failures,
          window_started_at: r.windowStartedAt,
          locked_until: r.lockedUntil,
        };
        await db
          .insertInto('login_throttle')
          .values(values)
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              failures: values.failures,
              window_started_at: values.window_started_at,
              locked_until: values.locked_until,
            }),
          )
          .execute();
      },
      async delete(key) {
        await db.deleteFrom('login_throttle').where('key', '=', key).execute();
      },
    },
    journal: kyselyJournal(db, dialect),
    snapshots: kyselySnapshots(db),
    balances: kyselyBalances(db, dialect),
    orders: kyselyOrders(db, dialect),
    trades: kyselyTrades(db, dialect),
    depositAddresses: kyselyDepositAddresses(db),
    deposits: kyselyDeposits(db),
    withdrawals: kyselyWithdrawals(db),
    candles: kyselyCandles(db),
    security: kyselySecurity(db),
    securityLog: kyselySecurityLog(db),
    challenges: kyselyChallenges(db),
    apiKeys: kyselyApiKeys(db),
    kyc: kyselyKyc(db),
    preferences: kyselyPreferences(db),
    watchlists: kyselyWatchlists(db),
    priceAlerts: kyselyPriceAlerts(db),
    notifications: kyselyNotifications(db),
  };
}
