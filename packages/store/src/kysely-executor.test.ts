import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { BulkInsert } from './kysely-executor.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { Database } from './schema.ts';

interface Row {
  accountId: number;
  asset: string;
  free: number;
}

describe('BulkInsert', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
  });
  afterEach(() => db.destroy());

  const columns = ['account_id', 'asset', 'free', 'locked', 'updated_at'] as const;

  it('stores each row by position, across statements of several sizes', async () => {
    const insert = new BulkInsert('balances', columns, (r: Row) => [r.accountId, r.asset, r.free, 0, 1]);
    // 37 rows: statements of 32, 4 and 1 rows.
    const rows = Array.from({ length: 37 }, (_, i) => ({ accountId: i + 1, asset: 'BTC', free: i * 10 }));
    await insert.run(db, 'sqlite', rows);
    const stored = await db.selectFrom('balances').selectAll().orderBy('account_id').execute();
    expect(stored.map((b) => [b.account_id, b.asset, b.free, b.locked, b.updated_at])).toEqual(
      rows.map((r) => [r.accountId, r.asset, r.free, 0, 1]),
    );
  });

  it('refuses a row whose values do not match the columns, writing nothing', async () => {
    const short = new BulkInsert('balances', columns, (r: Row) => [r.accountId, r.asset, r.free, 0]);
    await expect(short.run(db, 'sqlite', [{ accountId: 1, asset: 'BTC', free: 5 }])).rejects.toThrow(
      /a row of 4 values for 5 columns/,
    );
    expect(await db.selectFrom('balances').selectAll().execute()).toEqual([]);
  });
});
