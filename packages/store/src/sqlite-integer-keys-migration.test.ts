import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kyselyRepositories } from './kysely-repositories.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { order } from './test-backends.ts';

/** What SQLite says about a table: its CREATE statement, its indexes' statements, its autoindexes. */
function layout(sqlite: BetterSqlite3.Database, table: string) {
  const entries = sqlite
    .prepare(`select type, name, sql from sqlite_schema where tbl_name = ? order by name`)
    .all(table) as Array<{ type: string; name: string; sql: string | null }>;
  return {
    create: entries.find((e) => e.type === 'table')!.sql!,
    indexes: entries.filter((e) => e.type === 'index' && e.sql !== null).map((e) => e.sql!),
    autoindexes: entries.filter((e) => e.type === 'index' && e.sql === null).map((e) => e.name),
  };
}

describe('migration 0010 on SQLite: orders and engine_journal keyed by their integer id', () => {
  let dir: string;
  let sqlite: BetterSqlite3.Database;
  let db: Kysely<Database>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-integer-keys-'));
    sqlite = new BetterSqlite3(join(dir, 'lockstep.db'));
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite', '0009-orders-uncommon-status');
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every row, column and index, and drops only the separate key index', async () => {
    const repos = kyselyRepositories(db, 'sqlite');
    // Out of id order, open and closed, with and without client ids, a rare status.
    const orders = [
      order(7, 1, { status: 'NEW', clientOrderId: 'a' }),
      order(3, 1, { status: 'FILLED', clientOrderId: 'a' }),
      order(5, 2, { status: 'REJECTED', clientOrderId: null, price: null }),
      order(2 ** 40, 2, { status: 'PARTIALLY_FILLED', clientOrderId: 'big' }),
    ];
    await repos.orders.upsertMany(orders);
    await repos.journal.append([
      { seq: 2, batch: 2, command: { kind: 'place', n: 2 }, createdAt: 20 },
      { seq: 1, batch: 1, command: { kind: 'cancel', n: 1 }, createdAt: 10 },
    ]);
    const before = { orders: layout(sqlite, 'orders'), journal: layout(sqlite, 'engine_journal') };
    expect(before.orders.create).toContain('"id" bigint primary key');
    expect(before.orders.autoindexes).toEqual(['sqlite_autoindex_orders_1']);
    expect(before.journal.autoindexes).toEqual(['sqlite_autoindex_engine_journal_1']);
    const rowsBefore = sqlite.prepare('select * from orders order by id').all();
    const journalBefore = await repos.journal.after(0, 10);

    expect(await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite')).toEqual([
      '0010-sqlite-integer-keys',
    ]);

    const after = { orders: layout(sqlite, 'orders'), journal: layout(sqlite, 'engine_journal') };
    expect(after.orders.create).toBe(
      before.orders.create.replace('"id" bigint primary key', '"id" integer primary key'),
    );
    expect(after.journal.create).toBe(
      before.journal.create.replace('"seq" bigint primary key', '"seq" integer primary key'),
    );
    expect(after.orders.indexes).toEqual(before.orders.indexes);
    expect(after.orders.indexes).toHaveLength(3);
    expect(after.orders.autoindexes).toEqual([]);
    expect(after.journal.autoindexes).toEqual([]);
    // The key is the row id now.
    expect(sqlite.prepare('select count(*) as n from orders where rowid = id').get()).toEqual({ n: 4 });
    expect(sqlite.prepare('select * from orders order by id').all()).toEqual(rowsBefore);
    expect(await repos.journal.after(0, 10)).toEqual(journalBefore);
    expect(await repos.orders.get(2, 2 ** 40)).toMatchObject({ id: 2 ** 40, status: 'PARTIALLY_FILLED' });

    // The partial unique index still holds: a second open order with client id 'a' is refused.
    await expect(
      repos.orders.upsertMany([order(8, 1, { status: 'NEW', clientOrderId: 'a' })]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    // And the key is still unique: an upsert of an existing id updates it.
    await repos.orders.upsertMany([order(7, 1, { status: 'CANCELED', clientOrderId: 'a' })]);
    expect((await repos.orders.get(1, 7))?.status).toBe('CANCELED');
    await expect(
      repos.journal.append([{ seq: 2, batch: 3, command: { kind: 'again' }, createdAt: 30 }]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
  });

  it('stops, with nothing changed, at a key that is not an integer instead of renumbering it', async () => {
    sqlite.exec(`insert into orders (id, account_id, symbol, side, type, executed_qty, cumulative_quote, status, stp_mode,
      created_at, updated_at) values (null, 1, 'BTCUSDT', 'BUY', 'LIMIT', 0, 0, 'CANCELED', 'NONE', 1, 1)`);
    const before = layout(sqlite, 'orders');
    await expect(migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite')).rejects.toThrow(
      /orders: 1 rows whose id is not an integer/,
    );
    expect(layout(sqlite, 'orders')).toEqual(before);
    expect(sqlite.prepare('select count(*) as n from orders where id is null').get()).toEqual({ n: 1 });
  });
});
