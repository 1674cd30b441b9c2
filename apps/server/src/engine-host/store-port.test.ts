import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Side, TimeInForce, OrderType, placeOrder, type Command } from '@lockstep/engine';
import { klineIntervals } from '@lockstep/protocol';
import { openSqliteStore, type Store } from '@lockstep/store';
import { toAccountEvent } from '../services/account-stream.ts';
import { createMemoryBus, type AccountEventBatch } from '../services/event-bus.ts';
import { demoAssets, demoLayout, demoMarkets } from '../trading/demo-markets.ts';
import { candleUpdates } from '../trading/market-data.ts';
import { TradingPresenter } from '../trading/presenters.ts';
import { feeAccountId } from '../trading/trading-service.ts';
import { StoreTradingPort } from './store-port.ts';
import { TradingHost, type TradingHostOptions } from './trading-host.ts';

const deposit = (account: number, txId: string): Command => ({
  kind: 'deposit',
  account,
  asset: 2, // USDT
  amount: 1_000_000 * 1e8,
  txId,
});
const bid = (account: number): Command =>
  placeOrder({
    account,
    market: 0, // BTCUSDT
    side: Side.BUY,
    price: 4_000_000,
    quantity: 100,
    type: OrderType.LIMIT,
    timeInForce: TimeInForce.GTC,
  });

describe('StoreTradingPort on a real SQLite store', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ store: Store; port: () => StoreTradingPort; fail: { next: boolean } }> {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-port-'));
    dirs.push(dir);
    const store = await openSqliteStore(join(dir, 'lockstep.db'));
    stores.push(store);
    const presenter = new TradingPresenter(demoLayout(feeAccountId));
    // A batch hook that can fail the next commit after every projection was written.
    const fail = { next: false };
    const hooks = {
      current: {
        inBatch: () => {
          if (!fail.next) return Promise.resolve();
          fail.next = false;
          return Promise.reject(new Error('disk full'));
        },
        committed: () => {},
      },
    };
    return {
      store,
      fail,
      port: () => new StoreTradingPort(store, createMemoryBus(), presenter, new Set([feeAccountId]), hooks),
    };
  }

  function options(now: () => number, snapshotEveryEntries: number): TradingHostOptions {
    return {
      assets: demoAssets,
      markets: demoMarkets,
      feeAccountId,
      queue: { batchSizeMax: 1, queueLengthMax: 100 },
      snapshotEveryEntries,
      now,
    };
  }

  it('gives a restart the last batch time, from the journal after a snapshot and at it', async () => {
    const { store, port } = await open();
    expect((await port().load()).lastAt).toBe(0);
    const { id } = await store.repos.accounts.create({
      email: 'clock@example.test',
      passwordHash: 'h',
      createdAt: 1,
      streamEpoch: 'e',
    });
    // One command per batch; a snapshot after every 2 entries.
    let clock = 5_000;
    const host = await TradingHost.start(
      port(),
      options(() => clock, 2),
    );
    await host.submit(deposit(id, 'tx-1'));
    clock = 9_000;
    await host.submit(bid(id));
    // The snapshot is at entry 2, with nothing after it: the time comes from entry 2 itself.
    clock = 1_000;
    let loaded = await port().load();
    expect(loaded.snapshot?.seq).toBe(2);
    expect(loaded.entries).toEqual([]);
    expect(loaded.lastAt).toBe(9_000);
    // The clock went back: entry 3 keeps 9,000, and the restart after it still reads 9,000.
    await host.submit(bid(id));
    await host.close();
    loaded = await port().load();
    expect(loaded.entries.map((e) => e.seq)).toEqual([3]);
    expect(loaded.lastAt).toBe(9_000);
    expect((await store.repos.journal.after(0, 10)).map((e) => e.createdAt)).toEqual([5_000, 9_000, 9_000]);

    const restarted = await TradingHost.start(
      port(),
      options(() => clock, 1_000),
    );
    await restarted.submit(bid(id));
    await restarted.close();
    expect((await store.repos.journal.after(3, 10)).map((e) => e.createdAt)).toEqual([9_000]);
  });

  it('stores each balance, order and trade event exactly as it publishes it', async () => {
    const { store } = await open();
    const bus = createMemoryBus();
    const published: AccountEventBatch[] = [];
    bus.subscribe((batch) => published.push(batch));
    const port = new StoreTradingPort(
      store,
      bus,
      new TradingPresenter(demoLayout(feeAccountId)),
      new Set([feeAccountId]),
    );
    const account = async (email: string) =>
      (await store.repos.accounts.create({ email, passwordHash: 'h', createdAt: 1, streamEpoch: 'e' })).id;
    const seller = await account('seller@example.test');
    const buyer = await account('buyer@example.test');
    const host = await TradingHost.start(port, { ...options(() => Date.UTC(2026, 0, 1), 1_000) });
    await host.submit({ kind: 'deposit', account: seller, asset: 0, amount: 10 * 1e8, txId: 'btc' });
    await host.submit(deposit(buyer, 'usdt'));
    const order = (account: number, side: number, quantity: number, clientOrderId: string) =>
      placeOrder({
        account,
        market: 0,
        side,
        price: 4_000_000,
        quantity,
        type: OrderType.LIMIT,
        timeInForce: TimeInForce.GTC,
        clientOrderId,
      });
    await host.submit(order(seller, Side.SELL, 300, 'ask-1'));
    // Crosses part of the ask: a trade, both orders and four balances change in one batch.
    await host.submit(order(buyer, Side.BUY, 100, 'bid_1'));
    await host.submit({ kind: 'cancelAll', account: seller, market: 0 });
    await host.close();

    const types = new Set<string>();
    for (const accountId of [seller, buyer]) {
      const live = published.filter((b) => b.accountId === accountId).flatMap((b) => b.events);
      const stored = (await store.repos.events.listAfter(accountId, 0, 100)).map(toAccountEvent);
      expect(stored).toEqual(live);
      for (const event of live) types.add(event.type);
    }
    expect([...types].sort()).toEqual(['balance.updated', 'order.updated', 'trade.executed']);
    // Each published event carries the text the store holds, for the hub's frames.
    for (const batch of published)
      batch.events.forEach((event, i) => expect(batch.dataTexts?.[i]).toBe(JSON.stringify(event.data)));
  });

  it('folds every committed trade into the candles, across a failed commit, a clock step back and a restart', async () => {
    const { store, port, fail } = await open();
    const account = async (email: string) =>
      (await store.repos.accounts.create({ email, passwordHash: 'h', createdAt: 1, streamEpoch: 'e' })).id;
    const seller = await account('seller@example.test');
    const buyer = await account('buyer@example.test');
    const hour = Date.UTC(2026, 0, 1, 12);
    let clock = hour;
    let host = await TradingHost.start(
      port(),
      options(() => clock, 1_000),
    );
    await host.submit({ kind: 'deposit', account: seller, asset: 0, amount: 10 * 1e8, txId: 'btc' });
    await host.submit(deposit(buyer, 'usdt'));
    await host.submit(
      placeOrder({
        account: seller,
        market: 0,
        side: Side.SELL,
        price: 4_000_000,
        quantity: 100_000,
        type: OrderType.LIMIT,
        timeInForce: TimeInForce.GTC,
      }),
    );
    // Each buy crosses the resting sell: one trade per batch, at the batch's time.
    const buyAt = async (at: number, price = 4_000_000) => {
      clock = at;
      return host.submit(
        placeOrder({
          account: buyer,
          market: 0,
          side: Side.BUY,
          price,
          quantity: 100 + (at % 7),
          type: OrderType.LIMIT,
          timeInForce: TimeInForce.IOC,
        }),
      );
    };
    await buyAt(hour + 5_000);
    await buyAt(hour + 20_000);
    // A lost batch: its trade must not count, in the candle it would have joined or later ones.
    fail.next = true;
    await expect(buyAt(hour + 30_000)).rejects.toThrow('disk full');
    await buyAt(hour + 40_000);
    await buyAt(hour + 61_000);
    // The clock steps back ten minutes, more than the host holds: a trade in an older candle.
    await buyAt(hour - 600_000);
    await buyAt(hour - 599_000);
    await host.close();
    // A restart knows no candle yet and finds the newest in the store.
    host = await TradingHost.start(
      port(),
      options(() => clock, 1_000),
    );
    await buyAt(hour + 62_000);
    await buyAt(hour + 3_600_000);
    await host.close();

    // In execution order (trade ids), the order the candles folded them in.
    const trades = (await store.repos.trades.page(buyer, { symbol: 'BTCUSDT', limit: 100 })).sort(
      (a, b) => a.id - b.id,
    );
    expect(trades.map((t) => t.createdAt - hour)).toEqual([
      5_000, 20_000, 40_000, 61_000, -600_000, -599_000, 62_000, 3_600_000,
    ]);
    // The candles from every stored trade at once, folded from nothing.
    const expected = await candleUpdates(
      trades.map((t) => ({
        symbol: t.symbol,
        price: t.price,
        quantity: t.quantity,
        quoteQty: t.quoteQty,
        at: t.createdAt,
      })),
      () => Promise.resolve([]),
    );
    for (const interval of klineIntervals) {
      const stored = await store.repos.candles.range('BTCUSDT', interval, { startTime: 0, limit: 100 });
      const wanted = expected.filter((c) => c.interval === interval).sort((a, b) => a.openTime - b.openTime);
      expect(stored, interval).toEqual(wanted);
    }
    expect((await store.repos.candles.range('BTCUSDT', '1m', { startTime: 0, limit: 100 })).length).toBe(4);
  });
});
