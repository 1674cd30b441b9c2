import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry, OrderPageQuery, Store, TradeRecord, WithdrawalStatus } from './index.ts';
import { clientIdLookback } from './kysely-orders.ts';
import { order, statusOf, testBackends } from './test-backends.ts';

function trade(id: number, buyer: number, seller: number, fields: Partial<TradeRecord> = {}): TradeRecord {
  return {
    symbol: 'BTCUSDT',
    id,
    price: 5_000_000,
    quantity: 100,
    quoteQty: 500_000_000,
    buyerOrderId: id * 2,
    sellerOrderId: id * 2 + 1,
    buyerAccountId: buyer,
    sellerAccountId: seller,
    makerSide: 'SELL',
    buyerFee: 100,
    sellerFee: 500_000,
    buyerFeeAsset: 'BTC',
    sellerFeeAsset: 'USDT',
    createdAt: id * 10,
    ...fields,
  };
}

const ids = (rows: ReadonlyArray<{ id: number }>) => rows.map((r) => r.id);

for (const backend of testBackends) {
  describe.skipIf(backend.skip)(`trading repositories on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function account() {
      const email = `t-${randomBytes(4).toString('hex')}@x.test`;
      const a = await store.repos.accounts.create({
        email,
        passwordHash: 'h',
        createdAt: 1,
        streamEpoch: 'e',
      });
      return a.id;
    }

    it('appends the journal in order across chunks and reads it back in pages', async () => {
      const { journal } = store.repos;
      expect(await journal.head()).toBe(0);
      expect(await journal.after(0, 10)).toEqual([]);
      // 1,234 entries: more than two 500-row statements; commands round-trip as JSON.
      const entries: JournalEntry[] = Array.from({ length: 1234 }, (_, i) => ({
        seq: i + 1,
        batch: Math.floor(i / 100) + 1,
        command: { kind: 'place', account: i % 7, price: 5_000_000 + i, clientOrderId: `c${i}` },
        createdAt: 1_700_000_000_000 + i,
      }));
      await store.transaction((repos) => repos.journal.append(entries));
      expect(await journal.head()).toBe(1234);
      const all: JournalEntry[] = [];
      for (let after = 0; ;) {
        const page = await journal.after(after, 500);
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1]!.seq;
      }
      expect(all).toEqual(entries);
      expect((await journal.after(1000, 3)).map((e) => e.seq)).toEqual([1001, 1002, 1003]);
      expect(await journal.after(1234, 10)).toEqual([]);
      await journal.append([]);
      // A seq is written once: a host that re-appends a position fails loudly.
      await expect(journal.append([{ seq: 1234, batch: 99, command: {}, createdAt: 0 }])).rejects.toThrow();
      expect(await journal.head()).toBe(1234);
    });

    it('keeps snapshots by journal position and returns the latest', async () => {
      const { snapshots } = store.repos;
      expect(await snapshots.latest()).toBeUndefined();
      await snapshots.put({ journalSeq: 20, state: { version: 1, n: 20 }, createdAt: 2 });
      await snapshots.put({ journalSeq: 10, state: { version: 1, n: 10 }, createdAt: 1 });
      expect(await snapshots.latest()).toEqual({
        journalSeq: 20,
        state: { version: 1, n: 20 },
        createdAt: 2,
      });
      await snapshots.put({ journalSeq: 20, state: { version: 1, n: 21 }, createdAt: 3 });
      expect(await snapshots.latest()).toEqual({
        journalSeq: 20,
        state: { version: 1, n: 21 },
        createdAt: 3,
      });
    });

    it('upserts balances with absolute values, the last state of a key winning', async () => {
      const { balances } = store.repos;
      const a = await account();
      const b = await account();
      await balances.upsertMany([
        { accountId: a, asset: 'USDT', free: 100, locked: 0, updatedAt: 1 },
        { accountId: a, asset: 'BTC', free: 5, locked: 1, updatedAt: 1 },
        { accountId: b, asset: 'USDT', free: 7, locked: 0, updatedAt: 1 },
        // The same key twice in one batch (two commands touched it): the later state is kept.
        { accountId: a, asset: 'USDT', free: 60, locked: 40, updatedAt: 2 },
      ]);
      expect(await balances.list(a)).toEqual([
        { accountId: a, asset: 'BTC', free: 5, locked: 1, updatedAt: 1 },
        { accountId: a, asset: 'USDT', free: 60, locked: 40, updatedAt: 2 },
      ]);
      await balances.upsertMany([{ accountId: a, asset: 'BTC', free: 0, locked: 0, updatedAt: 3 }]);
      expect(await balances.get(a, 'BTC')).toEqual({
        accountId: a,
        asset: 'BTC',
        free: 0,
        locked: 0,
        updatedAt: 3,
      });
      expect(await balances.get(b, 'BTC')).toBeUndefined();
      expect(await balances.get(b, 'USDT')).toMatchObject({ free: 7 });
      // Values near 2^53 come back exact on both backends.
      const big = Number.MAX_SAFE_INTEGER;
      await balances.upsertMany([{ accountId: b, asset: 'SAT', free: big, locked: big - 1, updatedAt: 4 }]);
      expect(await balances.get(b, 'SAT')).toMatchObject({ free: big, locked: big - 1 });
    });

    it('upserts many balance rows in chunks', async () => {
      const a = await account();
      const rows = Array.from({ length: 1200 }, (_, i) => ({
        accountId: a,
        asset: `A${String(i).padStart(4, '0')}`,
        free: i,
        locked: 0,
        updatedAt: 1,
      }));
      await store.repos.balances.upsertMany(rows);
      await store.repos.balances.upsertMany(rows.map((r) => ({ ...r, locked: r.free * 2, updatedAt: 2 })));
      const listed = await store.repos.balances.list(a);
      expect(listed).toHaveLength(1200);
      expect(listed[1199]).toEqual({ accountId: a, asset: 'A1199', free: 1199, locked: 2398, updatedAt: 2 });
    });

    it('writes a batch of any size in whole: 333 new orders, then 333 closed ones, on three symbols', async () => {
      const { orders } = store.repos;
      const a = await account();
      const symbols = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'];
      const placed = Array.from({ length: 333 }, (_, i) => order(5_000 + i, a, { symbol: symbols[i % 3]! }));
      await store.transaction((repos) => repos.orders.upsertMany(placed));
      expect((await orders.open(a)).map((o) => o.id)).toEqual(placed.map((o) => o.id));
      expect((await orders.open(a, 'ETHBTC')).map((o) => o.id)).toEqual(
        placed.filter((o) => o.symbol === 'ETHBTC').map((o) => o.id),
      );
      // Odd rows fill, even rows cancel; an upsert rewrites only what an order's life changes.
      const closed = placed.map((o, i) =>
        i % 2 === 1
          ? { ...o, status: 'FILLED' as const, executedQty: 1000, cumulativeQuote: 5_000, updatedAt: 99 }
          : { ...o, status: 'CANCELED' as const, symbol: 'IGNORED', updatedAt: 99 },
      );
      await store.transaction((repos) => repos.orders.upsertMany(closed));
      expect(await orders.open(a)).toEqual([]);
      const history = await orders.page(a, { limit: 500 });
      expect(history).toHaveLength(333);
      expect(history.at(-1)).toEqual({ ...placed[0], status: 'CANCELED', updatedAt: 99 });
      expect(history[0]).toEqual({ ...closed[332], symbol: placed[332]!.symbol });
      expect((await orders.page(a, { status: 'FILLED', limit: 500 })).length).toBe(166);
      expect((await orders.page(a, { status: 'NEW', limit: 500 })).length).toBe(0);
    });

    it('upserts orders with their full state and reads them by id, client id and openness', async () => {
      const { orders } = store.repos;
      const a = await account();
      const b = await account();
      await orders.upsertMany([
        order(1, a, { clientOrderId: 'c-1' }),
        order(2, a, { symbol: 'ETHUSDT', side: 'SELL' }),
        order(3, b),
        order(4, a, {
          type: 'MARKET',
          timeInForce: null,
          price: null,
          quantity: null,
          quoteOrderQty: 10_000,
        }),
      ]);
      expect(await orders.get(a, 1)).toEqual(order(1, a, { clientOrderId: 'c-1' }));
      expect(await orders.get(b, 1)).toBeUndefined();
      expect(await orders.get(a, 4)).toMatchObject({ price: null, quantity: null, quoteOrderQty: 10_000 });
      // Two states of order 1 in one batch, and the market order filled (its quantity learnt).
      await orders.upsertMany([
        order(1, a, { clientOrderId: 'c-1', status: 'PARTIALLY_FILLED', executedQty: 400, updatedAt: 11 }),
        order(4, a, {
          type: 'MARKET',
          timeInForce: null,
          price: null,
          quantity: 2,
          quoteOrderQty: 10_000,
          status: 'FILLED',
          executedQty: 2,
          cumulativeQuote: 9_990,
        }),
        order(1, a, {
          clientOrderId: 'c-1',
          status: 'PARTIALLY_FILLED',
          executedQty: 700,
          cumulativeQuote: 7,
          updatedAt: 12,
        }),
      ]);
      expect(await orders.get(a, 1)).toMatchObject({
        status: 'PARTIALLY_FILLED',
        executedQty: 700,
        cumulativeQuote: 7,
        createdAt: 10,
        updatedAt: 12,
      });
      expect(await orders.get(a, 4)).toMatchObject({ status: 'FILLED', quantity: 2, cumulativeQuote: 9_990 });
      expect(ids(await orders.open(a))).toEqual([1, 2]);
      expect(ids(await orders.open(a, 'ETHUSDT'))).toEqual([2]);
      expect(ids(await orders.open(b))).toEqual([3]);
      // A partly filled order keeps the time it was placed at; the filled one is no longer open.
      expect((await orders.openPlacements()).sort((x, y) => x.id - y.id)).toEqual([
        { id: 1, createdAt: 10 },
        { id: 2, createdAt: 20 },
        { id: 3, createdAt: 30 },
      ]);
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'c-1')).toMatchObject({ id: 1 });
      expect(await orders.byClientOrderId(b, 'BTCUSDT', 'c-1')).toBeUndefined();
    });

    it('keeps client order ids unique among open orders only', async () => {
      const { orders } = store.repos;
      const a = await account();
      const b = await account();
      await orders.upsertMany([order(1, a, { clientOrderId: 'dup' }), order(2, b, { clientOrderId: 'dup' })]);
      // Orders without a client id never collide.
      await orders.upsertMany([order(3, a), order(4, a)]);
      await expect(orders.upsertMany([order(5, a, { clientOrderId: 'dup' })])).rejects.toThrow();
      await expect(
        orders.upsertMany([order(5, a, { clientOrderId: 'dup', status: 'PARTIALLY_FILLED' })]),
      ).rejects.toThrow();
      // A closed order with the id does not block a new one.
      await orders.upsertMany([order(6, a, { clientOrderId: 'dup', status: 'CANCELED' })]);
      await orders.upsertMany([order(1, a, { clientOrderId: 'dup', status: 'FILLED', executedQty: 1000 })]);
      await orders.upsertMany([order(7, a, { clientOrderId: 'dup' })]);
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'dup')).toMatchObject({ id: 7, status: 'NEW' });
      await orders.upsertMany([order(7, a, { clientOrderId: 'dup', status: 'CANCELED' })]);
      // With none open, the most recent closed one.
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'dup')).toMatchObject({ id: 7, status: 'CANCELED' });
      // One batch that cancels the open order and places a new one with its id, in event order.
      await orders.upsertMany([order(11, a, { clientOrderId: 'again' })]);
      await orders.upsertMany([
        order(11, a, { clientOrderId: 'again', status: 'CANCELED', updatedAt: 1 }),
        order(12, a, { clientOrderId: 'again' }),
        order(11, a, { clientOrderId: 'again', status: 'CANCELED', updatedAt: 2 }),
      ]);
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'again')).toMatchObject({ id: 12, status: 'NEW' });
      await orders.upsertMany([order(8, a, { clientOrderId: 'dup', status: 'EXPIRED' })]);
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'dup')).toMatchObject({ id: 8 });
      await expect(
        orders.upsertMany([order(9, a, { clientOrderId: 'dup' }), order(10, a, { clientOrderId: 'dup' })]),
      ).rejects.toThrow();
      // Per symbol: the id open on ETHUSDT does not hide the closed one on BTCUSDT.
      await orders.upsertMany([order(13, a, { clientOrderId: 'dup', symbol: 'ETHUSDT' })]);
      expect(await orders.byClientOrderId(a, 'ETHUSDT', 'dup')).toMatchObject({ id: 13, status: 'NEW' });
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'dup')).toMatchObject({ id: 8, status: 'EXPIRED' });
      expect(await orders.byClientOrderId(a, 'ETHBTC', 'dup')).toBeUndefined();
    });

    it('finds a closed order by client order id among the account’s last 10,000 on the symbol', async () => {
      const { orders } = store.repos;
      const a = await account();
      const b = await account();
      await orders.upsertMany([
        order(1, a, { clientOrderId: 'oldest', status: 'FILLED' }),
        order(2, a, { clientOrderId: 'second', status: 'CANCELED' }),
      ]);
      // Other accounts' and other symbols' orders do not count towards the 10,000.
      await orders.upsertMany([order(3, b), order(4, a, { symbol: 'ETHUSDT', status: 'CANCELED' })]);
      await orders.upsertMany(
        Array.from({ length: clientIdLookback - 1 }, (_, i) => order(10 + i, a, { status: 'CANCELED' })),
      );
      // The account's orders on BTCUSDT: 1, 2 and 9,999 more; 2 is the 10,000th newest.
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'second')).toMatchObject({ id: 2 });
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'oldest')).toBeUndefined();
      await orders.upsertMany([order(1, a, { clientOrderId: 'oldest', status: 'NEW' })]);
      // An open order is always found, however old.
      expect(await orders.byClientOrderId(a, 'BTCUSDT', 'oldest')).toMatchObject({ id: 1, status: 'NEW' });
    });

    it('pages orders newest first with filters and exact boundaries', async () => {
      const { orders } = store.repos;
      const a = await account();
      const b = await account();
      const rows = Array.from({ length: 20 }, (_, i) =>
        order(i + 1, a, {
          symbol: i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT',
          status: i % 3 === 0 ? 'FILLED' : 'NEW',
        }),
      );
      await orders.upsertMany([...rows, order(21, b)]);
      expect(ids(await orders.page(a, { limit: 5 }))).toEqual([20, 19, 18, 17, 16]);
      expect(ids(await orders.page(a, { beforeId: 16, limit: 3 }))).toEqual([15, 14, 13]);
      expect(ids(await orders.page(a, { beforeId: 3, limit: 10 }))).toEqual([2, 1]);
      expect(ids(await orders.page(a, { beforeId: 1, limit: 10 }))).toEqual([]);
      // fromId is inclusive and pages forward: the oldest `limit` from it, newest first.
      expect(ids(await orders.page(a, { fromId: 5, limit: 3 }))).toEqual([7, 6, 5]);
      expect(ids(await orders.page(a, { fromId: 19, limit: 10 }))).toEqual([20, 19]);
      expect(ids(await orders.page(a, { fromId: 21, limit: 10 }))).toEqual([]);
      expect(ids(await orders.page(a, { symbol: 'ETHUSDT', limit: 3 }))).toEqual([20, 18, 16]);
      expect(ids(await orders.page(a, { status: 'FILLED', limit: 100 }))).toEqual([19, 16, 13, 10, 7, 4, 1]);
      expect(ids(await orders.page(a, { symbol: 'BTCUSDT', status: 'FILLED', limit: 100 }))).toEqual([
        19, 13, 7, 1,
      ]);
      // Times are inclusive: createdAt is id * 10.
      expect(ids(await orders.page(a, { startTime: 50, endTime: 80, limit: 100 }))).toEqual([8, 7, 6, 5]);
      expect(ids(await orders.page(a, { startTime: 51, endTime: 79, limit: 100 }))).toEqual([7, 6]);
      expect(ids(await orders.page(b, { limit: 100 }))).toEqual([21]);
      // An open status is answered from the open orders (paged in code), a closed one in SQL; both
      // must page exactly as filtering the whole history would.
      expect(ids(await orders.page(a, { status: 'NEW', limit: 4 }))).toEqual([20, 18, 17, 15]);
      expect(ids(await orders.page(a, { status: 'NEW', beforeId: 15, limit: 3 }))).toEqual([14, 12, 11]);
      expect(ids(await orders.page(a, { status: 'NEW', fromId: 5, limit: 3 }))).toEqual([8, 6, 5]);
      expect(ids(await orders.page(a, { status: 'PARTIALLY_FILLED', limit: 10 }))).toEqual([]);
      expect(ids(await orders.page(b, { status: 'NEW', limit: 10 }))).toEqual([21]);
      // The oracle is the inserted rows themselves, newest first, not another page of the store.
      const history = [...rows].sort((x, y) => y.id - x.id);
      for (const status of ['NEW', 'FILLED'] as const) {
        for (const query of [
          { limit: 100 },
          { limit: 2 },
          { symbol: 'ETHUSDT', limit: 100 },
          { beforeId: 12, limit: 3 },
          { fromId: 4, limit: 3 },
          { fromId: 4, beforeId: 12, limit: 100 },
          { startTime: 50, endTime: 150, limit: 100 },
          { symbol: 'BTCUSDT', startTime: 60, limit: 2 },
        ]) {
          const expected = history.filter(
            (o) =>
              o.status === status &&
              (query.symbol === undefined || o.symbol === query.symbol) &&
              (query.beforeId === undefined || o.id < query.beforeId) &&
              (query.fromId === undefined || o.id >= query.fromId) &&
              (query.startTime === undefined || o.createdAt >= query.startTime) &&
              (query.endTime === undefined || o.createdAt <= query.endTime),
          );
          const page =
            query.fromId === undefined ? expected.slice(0, query.limit) : expected.slice(-query.limit);
          expect(
            ids(await orders.page(a, { ...query, status })),
            `${status} ${JSON.stringify(query)}`,
          ).toEqual(ids(page));
        }
      }
    });

    it('pages orders by time as a filter of all of them would, with shared times, id gaps and other accounts', async () => {
      const { orders } = store.repos;
      const a = await account();
      const b = await account();
      // Ids with gaps, other accounts' orders between a's, and four orders to each time (one
      // batch stamps many orders); times never go back as ids grow.
      const rows = Array.from({ length: 120 }, (_, i) =>
        order(1 + i * 2 + (i % 7 === 0 ? 1 : 0), i % 3 === 0 ? b : a, {
          symbol: ['BTCUSDT', 'ETHUSDT'][i % 2]!,
          status: statusOf(
            i,
            [
              [4, 0, 'FILLED'],
              [10, 5, 'EXPIRED_IN_MATCH'],
              [11, 0, 'REJECTED'],
              [13, 1, 'EXPIRED'],
            ],
            'CANCELED',
          ),
          createdAt: 1_000 + Math.floor(i / 4) * 10,
        }),
      );
      await orders.upsertMany(rows);
      const mine = rows.filter((o) => o.accountId === a).sort((x, y) => y.id - x.id);
      const queries: OrderPageQuery[] = [
        { startTime: 1_100, limit: 1000 },
        { startTime: 1_100, endTime: 1_100, limit: 1000 },
        { endTime: 1_005, limit: 1000 },
        { endTime: 999, limit: 10 },
        { startTime: 5_000, limit: 10 },
        { startTime: 1_050, endTime: 1_150, limit: 3 },
        { symbol: 'ETHUSDT', startTime: 1_040, endTime: 1_200, limit: 1000 },
        { status: 'FILLED', startTime: 1_020, limit: 1000 },
        { beforeId: 150, startTime: 1_100, limit: 4 },
        // Uncommon statuses, read through their own partial index.
        { status: 'EXPIRED_IN_MATCH', limit: 1000 },
        { status: 'REJECTED', startTime: 1_050, limit: 2 },
        { status: 'EXPIRED_IN_MATCH', symbol: 'BTCUSDT', beforeId: 200, limit: 1000 },
        { status: 'EXPIRED', limit: 1000 },
      ];
      for (const query of queries) {
        const expected = mine.filter(
          (o) =>
            (query.symbol === undefined || o.symbol === query.symbol) &&
            (query.status === undefined || o.status === query.status) &&
            (query.beforeId === undefined || o.id < query.beforeId) &&
            (query.startTime === undefined || o.createdAt >= query.startTime) &&
            (query.endTime === undefined || o.createdAt <= query.endTime),
        );
        expect(ids(await orders.page(a, query)), JSON.stringify(query)).toEqual(
          ids(expected.slice(0, query.limit)),
        );
      }
      // The uncommon statuses' pages above were not empty ones.
      expect((await orders.page(a, { status: 'EXPIRED_IN_MATCH', limit: 1000 })).length).toBe(
        mine.filter((o) => o.status === 'EXPIRED_IN_MATCH').length,
      );
      expect(mine.filter((o) => o.status === 'EXPIRED_IN_MATCH').length).toBeGreaterThan(5);
      expect(mine.filter((o) => o.status === 'EXPIRED').length).toBeGreaterThan(2);
      expect(mine.filter((o) => o.status === 'REJECTED').length).toBeGreaterThan(2);
      const none = await account();
      expect(await orders.page(none, { startTime: 1, limit: 10 })).toEqual([]);
    });

    it('stores trades per symbol and pages an account’s trades as buyer or seller', async () => {
      const { trades } = store.repos;
      const a = await account();
      const b = await account();
      const c = await account();
      await trades.insertMany([
        trade(1, a, b),
        trade(2, b, a),
        trade(3, b, c),
        trade(4, a, a), // a self-trade appears once
        // Trade ids count per symbol: ETHUSDT has its own trade 1.
        trade(1, c, a, { symbol: 'ETHUSDT', createdAt: 15 }),
      ]);
      await expect(trades.insertMany([trade(2, a, b)])).rejects.toThrow();
      expect(ids(await trades.page(a, { symbol: 'BTCUSDT', limit: 10 }))).toEqual([4, 2, 1]);
      expect(ids(await trades.page(a, { symbol: 'BTCUSDT', limit: 2 }))).toEqual([4, 2]);
      expect(ids(await trades.page(a, { symbol: 'BTCUSDT', fromId: 2, limit: 1 }))).toEqual([2]);
      expect(ids(await trades.page(a, { symbol: 'BTCUSDT', fromId: 2, limit: 10 }))).toEqual([4, 2]);
      expect(ids(await trades.page(c, { symbol: 'BTCUSDT', limit: 10 }))).toEqual([3]);
      expect(ids(await trades.page(a, { symbol: 'ETHUSDT', limit: 10 }))).toEqual([1]);
      // Without a symbol, newest first by time.
      const mixed = await trades.page(a, { limit: 10 });
      expect(mixed.map((t) => `${t.symbol}:${t.id}`)).toEqual([
        'BTCUSDT:4',
        'BTCUSDT:2',
        'ETHUSDT:1',
        'BTCUSDT:1',
      ]);
      expect(ids(await trades.page(a, { startTime: 15, endTime: 20, limit: 10 }))).toEqual([2, 1]);
      await expect(trades.page(a, { fromId: 1, limit: 10 })).rejects.toThrow('need a symbol');
      // One order's fills: on the side the account's order is on (trade n has orders 2n and 2n + 1).
      const ofOrder = async (orderId: number) =>
        ids(await trades.page(a, { symbol: 'BTCUSDT', orderId, limit: 10 }));
      expect(await ofOrder(2)).toEqual([1]); // a bought in trade 1
      expect(await ofOrder(5)).toEqual([2]); // a sold in trade 2
      expect(await ofOrder(8)).toEqual([4]); // the self-trade, as buyer
      expect(await ofOrder(9)).toEqual([4]); // and as seller
      expect(await ofOrder(3)).toEqual([]); // b's order in trade 1
      expect(ids(await trades.page(b, { symbol: 'BTCUSDT', orderId: 3, limit: 10 }))).toEqual([1]);
      expect(ids(await trades.page(a, { symbol: 'BTCUSDT', orderId: 2, startTime: 11, limit: 10 }))).toEqual(
        [],
      );
      await expect(trades.page(a, { orderId: 2, limit: 10 })).rejects.toThrow('need a symbol');
      expect(await trades.page(a, { symbol: 'BTCUSDT', limit: 1 })).toEqual([trade(4, a, a)]);
      expect(ids(await trades.recent('BTCUSDT', 2))).toEqual([3, 4]);
      expect(ids(await trades.recent('BTCUSDT', 100))).toEqual([1, 2, 3, 4]);
      expect(await trades.recent('NOPE', 10)).toEqual([]);
    });

    it('pages an account’s trades across symbols exactly as one sort of all of them would', async () => {
      const { trades } = store.repos;
      const a = await account();
      const b = await account();
      // Three symbols with interleaved times, equal times across symbols, and self-trades; within a
      // symbol, times never go back as ids grow (the trading host's clock guarantees it). Ids have
      // gaps, so the search for an end time's last id cannot assume every id exists.
      const symbols = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'];
      const rows: TradeRecord[] = [];
      const nextId = new Map<string, number>();
      for (let i = 0; i < 90; i++) {
        const symbol = symbols[(i * 7) % 3]!;
        const id = (nextId.get(symbol) ?? 0) + (i % 5 === 0 ? 3 : 1); // gaps in the ids
        nextId.set(symbol, id);
        const buyer = i % 4 === 0 ? a : i % 2 === 0 ? a : b;
        const seller = i % 4 === 0 ? a : i % 2 === 0 ? b : a;
        // Six trades share each time, two on each symbol: one batch stamps many trades.
        rows.push(trade(id, buyer, i % 9 === 0 ? b : seller, { symbol, createdAt: 100 + Math.floor(i / 6) }));
      }
      rows.push(trade(1, b, b, { symbol: 'BNBUSDT', createdAt: 200 })); // not a's
      await trades.insertMany(rows);
      const key = (t: TradeRecord) => `${t.symbol}:${t.id}`;
      const mine = rows.filter((t) => t.buyerAccountId === a || t.sellerAccountId === a);
      const newestFirst = [...mine].sort(
        (x, y) =>
          y.createdAt - x.createdAt ||
          (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0) ||
          y.id - x.id,
      );
      for (const query of [
        { limit: 1000 },
        { limit: 7 },
        { limit: 1 },
        { startTime: 110, endTime: 120, limit: 1000 },
        { startTime: 110, endTime: 120, limit: 4 },
        { endTime: 105, limit: 3 },
        { endTime: 99, limit: 10 },
        { endTime: 100, limit: 10 },
        { endTime: 10_000, limit: 5 },
        { startTime: 110, endTime: 111, limit: 10 },
        { startTime: 114, limit: 100 },
        { startTime: 115, limit: 100 },
        { startTime: 1_000, limit: 100 },
        { symbol: 'ETHBTC', endTime: 103, limit: 100 },
        { symbol: 'ETHBTC', startTime: 103, endTime: 103, limit: 100 },
        { symbol: 'ETHUSDT', limit: 5 },
        { symbol: 'ETHUSDT', startTime: 130, limit: 100 },
      ]) {
        const expected = newestFirst.filter(
          (t) =>
            (query.symbol === undefined || t.symbol === query.symbol) &&
            (query.startTime === undefined || t.createdAt >= query.startTime) &&
            (query.endTime === undefined || t.createdAt <= query.endTime),
        );
        expect((await trades.page(a, query)).map(key), JSON.stringify(query)).toEqual(
          expected.slice(0, query.limit).map(key),
        );
      }
      // Paging forward on one symbol: the oldest `limit` from fromId, newest first.
      for (const query of [
        { symbol: 'ETHUSDT', fromId: 10, limit: 4 },
        { symbol: 'ETHUSDT', fromId: 10, endTime: 106, limit: 100 },
        { symbol: 'ETHUSDT', fromId: 3, startTime: 104, limit: 3 },
        { symbol: 'ETHUSDT', fromId: 3, startTime: 104, endTime: 105, limit: 100 },
      ]) {
        const expected = mine
          .filter(
            (t) =>
              t.symbol === query.symbol &&
              t.id >= query.fromId &&
              (query.startTime === undefined || t.createdAt >= query.startTime) &&
              (query.endTime === undefined || t.createdAt <= query.endTime),
          )
          .sort((x, y) => x.id - y.id);
        expect((await trades.page(a, query)).map(key), JSON.stringify(query)).toEqual(
          expected.slice(0, query.limit).reverse().map(key),
        );
      }
      expect(await trades.page(a, { symbol: 'XRPUSDT', limit: 10 })).toEqual([]);
      const none = await account();
      expect(await trades.page(none, { limit: 10 })).toEqual([]);
    });

    it('reads a history page inside readConsistent from one view while a batch commits', async () => {
      const a = await account();
      const b = await account();
      await store.repos.trades.insertMany([trade(1, a, b), trade(1, a, b, { symbol: 'ETHUSDT' })]);
      await store.repos.orders.upsertMany([order(1, a), order(2, a, { symbol: 'ETHUSDT' })]);
      // A page is one range per symbol (and side): without one view, a batch committed between two
      // of them shows in one symbol's range and not in another's.
      let batch: Promise<void> | undefined;
      const [trades, orders] = await store.readConsistent(async (repos) => {
        await repos.trades.page(a, { limit: 10 });
        batch = store.transaction(async (w) => {
          await w.trades.insertMany([
            trade(2, a, b, { createdAt: 30 }),
            trade(2, a, b, { symbol: 'ETHUSDT' }),
          ]);
          await w.orders.upsertMany([order(3, a), order(4, a, { symbol: 'ETHUSDT' })]);
        });
        // PostgreSQL commits beside the open read; SQLite's one connection runs it after the read.
        if (store.dialect === 'postgres') await batch;
        return [await repos.trades.page(a, { limit: 10 }), await repos.orders.page(a, { limit: 10 })];
      });
      await batch;
      expect(trades.map((t) => [t.symbol, t.id])).toEqual([
        ['BTCUSDT', 1],
        ['ETHUSDT', 1],
      ]);
      expect(ids(orders)).toEqual([2, 1]);
      expect(await store.repos.trades.page(a, { limit: 10 })).toHaveLength(4);
      expect(ids(await store.repos.orders.page(a, { limit: 10 }))).toEqual([4, 3, 2, 1]);
    });

    it('gives each account one deposit address per asset', async () => {
      const { depositAddresses } = store.repos;
      const a = await account();
      const b = await account();
      let made = 0;
      const make = () => `addr-${(made += 1)}-${randomBytes(4).toString('hex')}`;
      const first = await depositAddresses.getOrCreate(a, 'BTC', make);
      expect(await depositAddresses.getOrCreate(a, 'BTC', make)).toEqual(first);
      expect(made).toBe(1);
      const concurrent = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.transaction((repos) => repos.depositAddresses.getOrCreate(b, 'ETH', make)),
        ),
      );
      expect(new Set(concurrent.map((r) => r.address)).size).toBe(1);
      expect(await depositAddresses.findByAddress(first.address)).toEqual({
        accountId: a,
        asset: 'BTC',
        address: first.address,
      });
      expect(await depositAddresses.findByAddress('nowhere')).toBeUndefined();
      // Addresses are unique across accounts.
      await expect(depositAddresses.getOrCreate(b, 'BTC', () => first.address)).rejects.toThrow();
    });

    it('records deposits once per transaction id and credits each once', async () => {
      const { deposits } = store.repos;
      const a = await account();
      const base = {
        accountId: a,
        asset: 'BTC',
        address: 'addr',
        confirmations: 0,
        status: 'PENDING' as const,
        createdAt: 5,
        creditedAt: null,
      };
      const d1 = await deposits.insert({ ...base, amount: 100, txId: 'tx-1' });
      const d2 = await deposits.insert({ ...base, asset: 'ETH', amount: 200, txId: 'tx-2' });
      await expect(deposits.insert({ ...base, amount: 100, txId: 'tx-1' })).rejects.toThrow();
      expect(await deposits.findByTxId('tx-1')).toEqual(d1);
      expect(await deposits.findByTxId('tx-9')).toBeUndefined();
      expect(await deposits.setConfirmations(d1.id, 3)).toMatchObject({ id: d1.id, confirmations: 3 });
      // Never lowered, never raised twice to the same count.
      expect(await deposits.setConfirmations(d1.id, 2)).toBeUndefined();
      expect(await deposits.setConfirmations(d1.id, 3)).toBeUndefined();
      expect(ids(await deposits.pending(10))).toEqual([d1.id, d2.id]);
      expect(await deposits.markCredited(d1.id, 50)).toMatchObject({
        status: 'CREDITED',
        creditedAt: 50,
        confirmations: 3,
      });
      expect(await deposits.markCredited(d1.id, 60)).toBeUndefined();
      // A credited deposit's count stays where it was credited.
      expect(await deposits.setConfirmations(d1.id, 9)).toBeUndefined();
      expect(ids(await deposits.pending(10))).toEqual([d2.id]);
      expect(ids(await deposits.page(a, { limit: 10 }))).toEqual([d2.id, d1.id]);
      expect(ids(await deposits.page(a, { asset: 'BTC', limit: 10 }))).toEqual([d1.id]);
      expect(ids(await deposits.page(a, { beforeId: d2.id, limit: 10 }))).toEqual([d1.id]);
    });

    it('moves withdrawals only from the expected status, exactly one of racing steps winning', async () => {
      const { withdrawals } = store.repos;
      const a = await account();
      const base = {
        accountId: a,
        asset: 'BTC',
        amount: 1000,
        fee: 10,
        address: 'out',
        status: 'PENDING' as const,
        engineRef: null,
        createdAt: 1,
        updatedAt: 1,
      };
      const w = await withdrawals.insert(base);
      expect(await withdrawals.get(w.id)).toEqual(w);
      expect(await withdrawals.setStatus(w.id, ['PROCESSING'], 'COMPLETED', 2)).toBeUndefined();
      expect(await withdrawals.setStatus(w.id, [], 'CANCELED', 2)).toBeUndefined();
      // A cancel races the processor (and itself): exactly one step wins.
      const steps: WithdrawalStatus[] = [
        'CANCELED',
        'PROCESSING',
        'CANCELED',
        'PROCESSING',
        'CANCELED',
        'PROCESSING',
      ];
      const results = await Promise.all(
        steps.map((to, i) =>
          store.transaction(async (repos) => {
            await repos.withdrawals.get(w.id);
            return repos.withdrawals.setStatus(w.id, ['PENDING'], to, 10 + i, `eng-${i}`);
          }),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(await withdrawals.get(w.id)).toEqual(winners[0]);
      expect(winners[0]!.engineRef).toMatch(/^eng-/);
      const w2 = await withdrawals.insert({ ...base, asset: 'ETH' });
      const w3 = await withdrawals.insert(base);
      expect(await withdrawals.setStatus(w3.id, ['PENDING'], 'PROCESSING', 20)).toMatchObject({
        status: 'PROCESSING',
        updatedAt: 20,
        engineRef: null,
      });
      // On PostgreSQL either kind of racing step may have won; the first withdrawal is open only if
      // the processor won.
      const firstOpen = winners[0]!.status === 'PROCESSING';
      expect(ids(await withdrawals.withStatus(['PENDING', 'PROCESSING'], 10))).toEqual(
        firstOpen ? [w.id, w2.id, w3.id] : [w2.id, w3.id],
      );
      expect(await withdrawals.withStatus([], 10)).toEqual([]);
      expect(ids(await withdrawals.page(a, { limit: 10 }))).toEqual([w3.id, w2.id, w.id]);
      expect(ids(await withdrawals.page(a, { asset: 'ETH', limit: 10 }))).toEqual([w2.id]);
      expect(ids(await withdrawals.page(a, { status: 'PROCESSING', limit: 10 }))).toEqual(
        firstOpen ? [w3.id, w.id] : [w3.id],
      );
      expect(ids(await withdrawals.page(a, { beforeId: w3.id, limit: 1 }))).toEqual([w2.id]);
    });

    it('replaces candles by key and reads ranges ascending', async () => {
      const { candles } = store.repos;
      const candle = (openTime: number, close: number, interval = '1m') => ({
        symbol: 'BTCUSDT',
        interval,
        openTime,
        open: 100,
        high: Math.max(100, close),
        low: Math.min(100, close),
        close,
        volume: 10,
        quoteVolume: 1000,
        tradeCount: 1,
      });
      await candles.upsertMany(Array.from({ length: 10 }, (_, i) => candle(i * 60_000, 100 + i)));
      await candles.upsertMany([candle(0, 90, '5m'), { ...candle(60_000, 120), volume: 30, tradeCount: 3 }]);
      const all = await candles.range('BTCUSDT', '1m', { limit: 100 });
      expect(all.map((c) => c.openTime)).toEqual(Array.from({ length: 10 }, (_, i) => i * 60_000));
      expect(all[1]).toEqual({ ...candle(60_000, 120), volume: 30, tradeCount: 3 });
      expect((await candles.range('BTCUSDT', '1m', { limit: 3 })).map((c) => c.close)).toEqual([
        107, 108, 109,
      ]);
      expect(
        (await candles.range('BTCUSDT', '1m', { startTime: 120_000, limit: 2 })).map((c) => c.openTime),
      ).toEqual([120_000, 180_000]);
      expect(
        (await candles.range('BTCUSDT', '1m', { endTime: 120_000, limit: 2 })).map((c) => c.openTime),
      ).toEqual([60_000, 120_000]);
      expect(
        (await candles.range('BTCUSDT', '1m', { startTime: 60_000, endTime: 120_000, limit: 10 })).length,
      ).toBe(2);
      expect(await candles.range('BTCUSDT', '5m', { limit: 10 })).toEqual([candle(0, 90, '5m')]);
      expect(await candles.range('ETHUSDT', '1m', { limit: 10 })).toEqual([]);
    });

    it('leaves nothing behind when a batch transaction rolls back', async () => {
      const a = await account();
      await expect(
        store.transaction(async (repos) => {
          await repos.journal.append([{ seq: 1, batch: 1, command: { kind: 'deposit' }, createdAt: 1 }]);
          await repos.snapshots.put({ journalSeq: 1, state: {}, createdAt: 1 });
          await repos.balances.upsertMany([{ accountId: a, asset: 'BTC', free: 1, locked: 0, updatedAt: 1 }]);
          await repos.orders.upsertMany([order(1, a, { clientOrderId: 'x' })]);
          await repos.trades.insertMany([trade(1, a, a)]);
          await repos.candles.upsertMany([
            {
              symbol: 'BTCUSDT',
              interval: '1m',
              openTime: 0,
              open: 1,
              high: 1,
              low: 1,
              close: 1,
              volume: 1,
              quoteVolume: 1,
              tradeCount: 1,
            },
          ]);
          await repos.depositAddresses.getOrCreate(a, 'BTC', () => 'addr-rolled-back');
          await repos.deposits.insert({
            accountId: a,
            asset: 'BTC',
            amount: 1,
            txId: 'tx',
            address: 'addr-rolled-back',
            confirmations: 1,
            status: 'PENDING',
            createdAt: 1,
            creditedAt: null,
          });
          await repos.withdrawals.insert({
            accountId: a,
            asset: 'BTC',
            amount: 1,
            fee: 0,
            address: 'o',
            status: 'PENDING',
            engineRef: null,
            createdAt: 1,
            updatedAt: 1,
          });
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      const r = store.repos;
      expect(await r.journal.head()).toBe(0);
      expect(await r.snapshots.latest()).toBeUndefined();
      expect(await r.balances.list(a)).toEqual([]);
      expect(await r.orders.page(a, { limit: 10 })).toEqual([]);
      expect(await r.trades.recent('BTCUSDT', 10)).toEqual([]);
      expect(await r.candles.range('BTCUSDT', '1m', { limit: 10 })).toEqual([]);
      expect(await r.depositAddresses.findByAddress('addr-rolled-back')).toBeUndefined();
      expect(await r.deposits.findByTxId('tx')).toBeUndefined();
      expect(await r.withdrawals.page(a, { limit: 10 })).toEqual([]);
    });
  });
}
