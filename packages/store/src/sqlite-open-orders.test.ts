import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { tradeQueries } from './kysely-market-data.ts';
import { orderQueries } from './kysely-orders.ts';
import type { OrderPageQuery } from './repositories.ts';
import type { Database } from './schema.ts';
import { openSqliteStore } from './sqlite.ts';
import { order, statusOf } from './test-backends.ts';

/**
 * SQLite's plan for statements the repository builds, compiled by Kysely exactly as the store
 * runs them, against the data folder's file.
 */
function plansOf(file: string, build: (db: Kysely<Database>) => CompiledQuery[]): string[] {
  const sqlite = new BetterSqlite3(file, { readonly: true });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    return build(db).map((query) =>
      (
        sqlite.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as Array<{
          detail: string;
        }>
      )
        .map((row) => row.detail)
        .join('\n'),
    );
  } finally {
    sqlite.close();
  }
}

function orderIndexes(file: string): string[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db
      .prepare(
        "select name from sqlite_schema where type = 'index' and tbl_name = 'orders' and sql is not null",
      )
      .pluck()
      .all()
      .map(String)
      .sort();
  } finally {
    db.close();
  }
}

// The embedded store only: which B-trees a batch writes is SQLite's page-level concern.
// Every test gets a data folder of its own.
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lockstep-orders-'));
  file = join(dir, 'lockstep.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('open orders on the embedded store', () => {
  it('keeps no (account, status) index, and reads open orders through the partial index', async () => {
    const store = await openSqliteStore(file);
    await store.repos.orders.upsertMany([
      order(1, 7, { status: 'NEW' }),
      order(2, 7, { status: 'FILLED' }),
      order(3, 7, { status: 'PARTIALLY_FILLED' }),
      order(4, 7, { status: 'CANCELED' }),
      order(5, 8, { status: 'NEW' }),
      order(6, 7, { status: 'NEW', symbol: 'ETHUSDT' }),
    ]);
    expect((await store.repos.orders.open(7)).map((o) => o.id)).toEqual([1, 3, 6]);
    expect((await store.repos.orders.open(7, 'ETHUSDT')).map((o) => o.id)).toEqual([6]);
    expect((await store.repos.orders.openPlacements()).sort((a, b) => a.id - b.id)).toEqual(
      [1, 3, 5, 6].map((id) => ({ id, createdAt: id * 10 })),
    );
    await store.close();

    expect(orderIndexes(file)).toEqual([
      'orders_account_symbol',
      'orders_account_symbol_uncommon',
      'orders_open_client_id',
    ]);
    const [plan, placements, openByClientId, lookbackStart, recentByClientId] = plansOf(file, (db) => [
      orderQueries.open(db, 7).compile(),
      orderQueries.placements(db).compile(),
      orderQueries.openByClientId(db, 7, 'c').compile(),
      orderQueries.lookbackStart(db, 7, 'BTCUSDT').compile(),
      orderQueries.recentByClientId('sqlite', 7, 'BTCUSDT', 'c', 3).compile(db),
    ]);
    expect(plan).toContain('USING INDEX orders_open_client_id');
    expect(placements).toContain('SCAN orders USING INDEX orders_open_client_id');
    // An order by client order id: a seek among open orders, then a walk of the account's newest
    // orders on the symbol, bounded below by an index-only walk.
    expect(openByClientId).toContain(
      'USING INDEX orders_open_client_id (account_id=? AND client_order_id=?)',
    );
    expect(lookbackStart).toContain('USING COVERING INDEX orders_account_symbol (account_id=? AND symbol=?)');
    expect(recentByClientId).toContain(
      'USING INDEX orders_account_symbol (account_id=? AND symbol=? AND id>?)',
    );
    expect(recentByClientId).not.toContain('TEMP B-TREE');
  });

  it('drops the old index from a data folder made before, and keeps every order', async () => {
    const store = await openSqliteStore(file);
    await store.repos.orders.upsertMany([
      order(1, 7, { status: 'NEW' }),
      order(2, 7, { status: 'CANCELED' }),
    ]);
    await store.close();
    // Put the folder back as the previous release left it: the index there, the migration not run.
    const db = new BetterSqlite3(file);
    db.exec('create index "orders_account_status" on "orders" ("account_id", "status")');
    db.prepare('delete from schema_migrations where name = ?').run('0006-open-orders-index');
    db.close();
    expect(orderIndexes(file)).toContain('orders_account_status');

    const reopened = await openSqliteStore(file);
    expect((await reopened.repos.orders.open(7)).map((o) => o.id)).toEqual([1]);
    expect((await reopened.repos.orders.page(7, { limit: 10 })).map((o) => o.id)).toEqual([2, 1]);
    await reopened.close();
    expect(orderIndexes(file)).toEqual([
      'orders_account_symbol',
      'orders_account_symbol_uncommon',
      'orders_open_client_id',
    ]);
  });
});

describe('order history across symbols on the embedded store', () => {
  it('pages across symbols by merging per-symbol ranges, without sorting all of the account orders', async () => {
    const store = await openSqliteStore(file);
    // Two symbols interleaved, so neither per-symbol order is the answer.
    await store.repos.orders.upsertMany(
      Array.from({ length: 40 }, (_, i) =>
        order(i + 1, 7, {
          symbol: i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT',
          status: i % 5 === 0 ? 'FILLED' : 'CANCELED',
        }),
      ),
    );
    await store.repos.orders.upsertMany([order(41, 8, { status: 'FILLED' })]);
    expect((await store.repos.orders.page(7, { limit: 5 })).map((o) => o.id)).toEqual([40, 39, 38, 37, 36]);
    expect((await store.repos.orders.page(7, { limit: 3, status: 'FILLED' })).map((o) => o.id)).toEqual([
      36, 31, 26,
    ]);
    expect(
      (await store.repos.orders.page(7, { limit: 3, status: 'FILLED', beforeId: 26 })).map((o) => o.id),
    ).toEqual([21, 16, 11]);
    await store.close();

    // The statements the repository runs for a page across symbols: each is a seek or a short
    // range of the (account, symbol, id) index, never a sort of the account's orders.
    const [symbols, ...pages] = plansOf(file, (db) => [
      orderQueries.symbols(7).compile(db),
      orderQueries.history('sqlite', 7, 'BTCUSDT', { limit: 5 }).compile(db),
      orderQueries.history('sqlite', 7, 'BTCUSDT', { limit: 3, status: 'FILLED', beforeId: 26 }).compile(db),
      orderQueries.history('sqlite', 7, 'BTCUSDT', { limit: 3, fromId: 4 }).compile(db),
      orderQueries
        .history('sqlite', 7, 'BTCUSDT', { limit: 3, startTime: 40, endTime: 300 }, { low: 4, high: 30 })
        .compile(db),
    ]);
    expect(symbols).toContain('orders_account_symbol');
    expect(symbols).not.toMatch(/SCAN orders\b(?! USING)/);
    expect(pages).toHaveLength(4);
    expect(pages[3]).toContain(
      'USING INDEX orders_account_symbol (account_id=? AND symbol=? AND id>? AND id<?)',
    );
    for (const detail of pages) {
      expect(detail).toContain('USING INDEX orders_account_symbol');
      expect(detail).not.toContain('TEMP B-TREE');
    }
  });

  it('pages an uncommon status through its partial index, whatever the common ones around it', async () => {
    const store = await openSqliteStore(file);
    // 300 orders on two symbols; every 50th ends EXPIRED_IN_MATCH, every 75th REJECTED, every 60th
    // EXPIRED (not indexed apart); one stays open and is then prevented from trading with itself.
    const statusFor = (id: number) =>
      statusOf(
        id,
        [
          [75, 0, 'REJECTED'],
          [50, 0, 'EXPIRED_IN_MATCH'],
          [60, 0, 'EXPIRED'],
        ],
        'CANCELED',
      );
    await store.repos.orders.upsertMany(
      Array.from({ length: 300 }, (_, i) =>
        order(i + 1, 7, { symbol: i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT', status: statusFor(i + 1) }),
      ),
    );
    await store.repos.orders.upsertMany([
      order(301, 7, { status: 'NEW' }),
      order(302, 8, { status: 'EXPIRED_IN_MATCH' }),
    ]);
    await store.repos.orders.upsertMany([order(301, 7, { status: 'EXPIRED_IN_MATCH' })]);
    const ids = async (query: Omit<OrderPageQuery, 'limit'> & { limit?: number }) =>
      (await store.repos.orders.page(7, { limit: 10, ...query })).map((o) => o.id);
    expect(await ids({ status: 'EXPIRED_IN_MATCH' })).toEqual([301, 250, 200, 100, 50]);
    expect(await ids({ status: 'REJECTED' })).toEqual([300, 225, 150, 75]);
    expect(await ids({ status: 'EXPIRED_IN_MATCH', symbol: 'ETHUSDT' })).toEqual([250, 200, 100, 50]);
    expect(await ids({ status: 'EXPIRED_IN_MATCH', beforeId: 200, limit: 1 })).toEqual([100]);
    expect(await ids({ status: 'EXPIRED_IN_MATCH', fromId: 60, limit: 2 })).toEqual([200, 100]);
    expect(await ids({ status: 'EXPIRED' })).toEqual([240, 180, 120, 60]);
    expect((await ids({ status: 'CANCELED', limit: 3 })).length).toBe(3);
    await store.close();

    const [uncommon, expired] = plansOf(file, (db) => [
      orderQueries
        .history('sqlite', 7, 'BTCUSDT', { limit: 10, status: 'REJECTED', beforeId: 200 })
        .compile(db),
      orderQueries.history('sqlite', 7, 'BTCUSDT', { limit: 10, status: 'EXPIRED' }).compile(db),
    ]);
    expect(uncommon).toContain(
      'USING INDEX orders_account_symbol_uncommon (account_id=? AND symbol=? AND id<?)',
    );
    expect(expired).toContain('USING INDEX orders_account_symbol (account_id=? AND symbol=?)');
  });
});

describe('trade history across symbols on the embedded store', () => {
  it('reads each symbol and side as a short index range, never every trade of the account', async () => {
    const store = await openSqliteStore(file);
    await store.repos.trades.insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        symbol: ['BTCUSDT', 'ETHUSDT', 'ETHBTC'][i % 3]!,
        id: i + 1,
        price: 100,
        quantity: 1,
        quoteQty: 100,
        buyerOrderId: 2 * i + 1,
        sellerOrderId: 2 * i + 2,
        buyerAccountId: i % 2 === 0 ? 7 : 8,
        sellerAccountId: i % 2 === 0 ? 8 : 7,
        makerSide: 'SELL' as const,
        buyerFee: 0,
        sellerFee: 0,
        buyerFeeAsset: 'BTC',
        sellerFeeAsset: 'USDT',
        createdAt: 1000 + i,
      })),
    );
    expect((await store.repos.trades.page(7, { limit: 4 })).map((t) => t.id)).toEqual([30, 29, 28, 27]);
    await store.close();

    const [symbols, ...ranges] = plansOf(file, (db) => [
      tradeQueries.symbols(7).compile(db),
      tradeQueries.range('sqlite', 'buyer_account_id', 7, 'BTCUSDT', { limit: 5 }).compile(db),
      tradeQueries.range('sqlite', 'seller_account_id', 7, 'BTCUSDT', { limit: 5 }).compile(db),
      tradeQueries.range('sqlite', 'buyer_account_id', 7, 'BTCUSDT', { limit: 5, fromId: 4 }).compile(db),
      tradeQueries
        .range(
          'sqlite',
          'seller_account_id',
          7,
          'BTCUSDT',
          { limit: 5, startTime: 1001, endTime: 1005 },
          { low: 2, high: 6 },
        )
        .compile(db),
    ]);
    // One order's fills: a seek of each side's order-id index, whatever its life; its few rows sorted.
    const ofOrder = plansOf(file, (db) =>
      (['buyer_account_id', 'seller_account_id'] as const).map((side) =>
        tradeQueries.range('sqlite', side, 7, 'BTCUSDT', { limit: 5, orderId: 9 }).compile(db),
      ),
    );
    expect(ofOrder[0]).toContain('USING INDEX trades_buyer_order (buyer_order_id=?)');
    expect(ofOrder[1]).toContain('USING INDEX trades_seller_order (seller_order_id=?)');
    // The seeks of the search for an end time's last id: the primary key, one row each.
    const probes = plansOf(file, (db) => [
      tradeQueries.lastId(db, 'BTCUSDT').compile(),
      tradeQueries.atOrAfter(db, 'BTCUSDT', 5).compile(),
    ]);
    for (const detail of probes)
      expect(detail).toMatch(/^SEARCH trades USING (COVERING )?INDEX sqlite_autoindex_trades_1 \(symbol=\?/);
    expect(symbols).toContain('trades_buyer');
    expect(symbols).toContain('trades_seller');
    expect(symbols).not.toMatch(/SCAN trades\b(?! USING)/);
    expect(ranges[0]).toContain('USING INDEX trades_buyer');
    expect(ranges[1]).toContain('USING INDEX trades_seller');
    expect(ranges[2]).toContain('USING INDEX trades_buyer');
    // Both id bounds on the account's range of its own index, not on the symbol's primary key.
    expect(ranges[3]).toContain(
      'USING INDEX trades_seller (seller_account_id=? AND symbol=? AND id>? AND id<?)',
    );
    for (const detail of ranges) expect(detail).not.toContain('TEMP B-TREE');
  });
});
