import type { Selectable } from 'kysely';
import { BulkInsert, lastPerKey, type Dialect, type Executor } from './kysely-executor.ts';
import type { BalancesTable } from './schema.ts';
import type { BalanceRecord } from './records.ts';
import type { BalanceRepository } from './repositories.ts';

function toBalance(row: Selectable<BalancesTable>): BalanceRecord {
  return {
    accountId: Number(row.account_id),
    asset: row.asset,
    free: Number(row.free),
    locked: Number(row.locked),
    updatedAt: Number(row.updated_at),
  };
}

const balanceUpsert = new BulkInsert(
  'balances',
  ['account_id', 'asset', 'free', 'locked', 'updated_at'],
  (b: BalanceRecord) => [b.accountId, b.asset, b.free, b.locked, b.updatedAt],
  { key: ['account_id', 'asset'], update: ['free', 'locked', 'updated_at'] },
);

/** Balances over one executor. */
export function kyselyBalances(db: Executor, dialect: Dialect): BalanceRepository {
  return {
    async upsertMany(rows) {
      // Engine BALANCE events carry absolute values, so replaying a batch writes the same rows.
      const latest = lastPerKey(rows, (b) => `${b.accountId}\u0000${b.asset}`);
      await balanceUpsert.run(db, dialect, latest);
    },
    async list(accountId) {
      const rows = await db
        .selectFrom('balances')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('asset', 'asc')
        .execute();
      return rows.map(toBalance);
    },
    async get(accountId, asset) {
      const row = await db
        .selectFrom('balances')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('asset', '=', asset)
        .executeTakeFirst();
      return row && toBalance(row);
    },
  };
}
