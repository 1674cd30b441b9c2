import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Side, TimeInForce, OrderType, placeOrder, type Command } from '@lockstep/engine';
import { openSqliteStore, type Store } from '@lockstep/store';
import { createMemoryBus } from '../services/event-bus.ts';
import { demoAssets, demoLayout, demoMarkets } from '../trading/demo-markets.ts';
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

  async function open(): Promise<{ store: Store; port: () => StoreTradingPort }> {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-port-'));
    dirs.push(dir);
    const store = await openSqliteStore(join(dir, 'lockstep.db'));
    stores.push(store);
    const presenter = new TradingPresenter(demoLayout(feeAccountId));
    return { store, port: () => new StoreTradingPort(store, createMemoryBus(), presenter, new Set()) };
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
});
