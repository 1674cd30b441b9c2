import { describe, expect, it } from 'vitest';
import {
  OrderType,
  Side,
  TimeInForce,
  placeOrder,
  type Command,
  type EngineSnapshot,
} from '@lockstep/engine';
import { demoAssets, demoMarkets } from '../trading/demo-markets.ts';
import {
  TradingHost,
  type BatchTiming,
  type CommandOutcome,
  type CommittedBatch,
  type JournalEntry,
  type TradingHostObserver,
  type TradingHostOptions,
  type TradingStorePort,
} from './trading-host.ts';

/** A store kept in memory, with a switch that makes the next commit fail like a full disk. */
class MemoryPort implements TradingStorePort {
  entries: JournalEntry[] = [];
  snapshot: { seq: number; state: EngineSnapshot } | null = null;
  batches: CommittedBatch[] = [];
  failNext = false;
  /** This many snapshot writes fail before they succeed again. */
  failSnapshots = 0;
  /** Open orders' placement times, kept as the store's orders table keeps `created_at`. */
  placements = new Map<number, number>();

  async load() {
    await Promise.resolve();
    const after = this.snapshot?.seq ?? 0;
    // A copy through JSON, as a database would give it back.
    const state = this.snapshot && (JSON.parse(JSON.stringify(this.snapshot.state)) as EngineSnapshot);
    return {
      snapshot: this.snapshot && state ? { seq: this.snapshot.seq, state } : null,
      entries: this.entries.filter((e) => e.seq > after).map((e) => structuredClone(e)),
      openOrders: [...this.placements].map(([id, placedAt]) => ({ id, placedAt })),
    };
  }
  async commit(batch: CommittedBatch) {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.entries.push(...batch.entries.map((e) => structuredClone(e)));
    this.batches.push(batch);
    for (const event of batch.outcomes.flatMap((o) => o.events)) {
      if (event.kind !== 'order') continue;
      if (event.status !== 'NEW' && event.status !== 'PARTIALLY_FILLED')
        this.placements.delete(event.orderId);
      else if (!this.placements.has(event.orderId)) this.placements.set(event.orderId, event.placedAt);
    }
  }
  async saveSnapshot(seq: number, state: EngineSnapshot) {
    await Promise.resolve();
    if (this.failSnapshots > 0) {
      this.failSnapshots -= 1;
      throw new Error('snapshot disk full');
    }
    this.snapshot = { seq, state: JSON.parse(JSON.stringify(state)) as EngineSnapshot };
  }
}

const options = (overrides: Partial<TradingHostOptions> = {}): TradingHostOptions => ({
  assets: demoAssets,
  markets: demoMarkets,
  feeAccountId: 0,
  queue: { batchSizeMax: 64, queueLengthMax: 10_000 },
  snapshotEveryEntries: 1_000_000,
  now: () => Date.UTC(2026, 0, 1),
  ...overrides,
});

/** An observer that keeps what the host reports. */
function observed() {
  const seen = {
    batches: [] as BatchTiming[],
    commitFailures: [] as string[],
    snapshotSeconds: [] as number[],
    snapshotFailures: [] as string[],
  };
  const observer: TradingHostObserver = {
    batch: (timing) => seen.batches.push(timing),
    commitFailed: (error) => seen.commitFailures.push((error as Error).message),
    snapshot: (seconds) => seen.snapshotSeconds.push(seconds),
    snapshotFailed: (error) => seen.snapshotFailures.push((error as Error).message),
  };
  return { ...seen, observer };
}

const btc = 0;
const usdt = 2;
const btcusdt = 0;
const deposit = (account: number, asset: number, amount: number, txId: string): Command => ({
  kind: 'deposit',
  account,
  asset,
  amount,
  txId,
});
const limit = (account: number, side: number, price: number, quantity: number): Command =>
  placeOrder({
    account,
    market: btcusdt,
    side,
    price,
    quantity,
    type: OrderType.LIMIT,
    timeInForce: TimeInForce.GTC,
  });

/** A small trading session: two funded accounts, resting orders and a cross. */
function session(): Command[] {
  return [
    deposit(1, usdt, 1_000_000 * 1e8, 'tx-usdt-1'),
    deposit(2, btc, 10 * 1e8, 'tx-btc-2'),
    limit(1, Side.BUY, 5_000_000, 1_000),
    limit(1, Side.BUY, 4_990_000, 2_000),
    limit(2, Side.SELL, 5_010_000, 1_500),
    limit(2, Side.SELL, 4_990_000, 2_500),
    limit(1, Side.BUY, 1, 1),
  ];
}

describe('TradingHost', () => {
  it('holds batch times at the last one across a small step back of the clock, and follows a large one', async () => {
    const port = new MemoryPort();
    let clock = 100_000;
    const reports: Array<[number, boolean]> = [];
    const host = await TradingHost.start(
      port,
      options({
        now: () => clock,
        clockHoldMaxMs: 10_000,
        observer: { ...observed().observer, clockWentBack: (byMs, held) => reports.push([byMs, held]) },
      }),
    );
    const at = async (time: number, txId: string): Promise<number> => {
      clock = time;
      await host.submit(deposit(1, usdt, 1, txId));
      return port.batches[port.batches.length - 1]!.at;
    };
    expect(await at(100_000, 'a')).toBe(100_000);
    // Back 4 s, then 2 s: held at 100,000 and reported once for the stretch.
    expect(await at(96_000, 'b')).toBe(100_000);
    expect(await at(98_000, 'c')).toBe(100_000);
    // Caught up: the clock again, and a new stretch is reported again.
    expect(await at(100_500, 'd')).toBe(100_500);
    expect(await at(99_500, 'e')).toBe(100_500);
    // A step back beyond the 10 s bound: the clock is taken as it is, and that is reported too.
    expect(await at(50_000, 'f')).toBe(50_000);
    expect(await at(50_001, 'g')).toBe(50_001);
    expect(reports).toEqual([
      [4_000, true],
      [1_000, true],
      [50_500, false],
    ]);
    await host.close();
  });

  it('acknowledges each command with its result and events, once its batch is durable', async () => {
    const port = new MemoryPort();
    const host = await TradingHost.start(port, options());
    const outcomes = await Promise.all(session().map((c) => host.submit(c)));
    expect(outcomes.map((o) => o.result)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'MIN_NOTIONAL']);
    expect(outcomes.map((o) => o.journalSeq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(outcomes[5]!.events.filter((e) => e.kind === 'trade')).toHaveLength(2);
    expect(port.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(host.reader.audit().ok).toBe(true);
  });

  it('reports every durable batch once with its size, and a failed commit as a failure, never as a batch', async () => {
    const port = new MemoryPort();
    const seen = observed();
    const host = await TradingHost.start(port, options({ observer: seen.observer }));
    await Promise.all(session().map((c) => host.submit(c)));
    await host.submit(deposit(1, usdt, 1e8, 'tx-alone'));
    port.failNext = true;
    await expect(host.submit(deposit(1, usdt, 1e8, 'tx-lost'))).rejects.toThrow('disk full');
    expect(seen.batches.map((t) => t.commands)).toEqual(port.batches.map((b) => b.entries.length));
    expect(seen.batches.map((t) => t.commands)).toEqual([7, 1]);
    for (const t of seen.batches) {
      expect(t.runSeconds).toBeGreaterThanOrEqual(0);
      expect(t.storeSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(seen.commitFailures).toEqual(['disk full']);
  });

  it('a snapshot that cannot be written fails no command: the batch stands and the next one tries again', async () => {
    const port = new MemoryPort();
    const seen = observed();
    const host = await TradingHost.start(port, options({ snapshotEveryEntries: 3, observer: seen.observer }));
    port.failSnapshots = 1;
    const outcomes = await Promise.all(session().map((c) => host.submit(c)));
    expect(outcomes.map((o) => o.journalSeq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seen.snapshotFailures).toEqual(['snapshot disk full']);
    expect(port.snapshot).toBeNull();
    await host.submit(deposit(1, usdt, 1e8, 'tx-after'));
    expect(port.snapshot?.seq).toBe(8);
    expect(seen.snapshotSeconds).toHaveLength(1);
    // A restart from that snapshot gives the same engine.
    const restarted = await TradingHost.start(port, options());
    expect(restarted.reader.stateHash()).toBe(host.reader.stateHash());
  });

  it('rebuilds exactly the same state after a restart, from the journal or from a snapshot', async () => {
    for (const snapshotEveryEntries of [1_000_000, 3]) {
      const port = new MemoryPort();
      const first = await TradingHost.start(port, options({ snapshotEveryEntries }));
      for (const command of session()) await first.submit(command);
      const before = first.reader.stateHash();
      const restarted = await TradingHost.start(port, options({ snapshotEveryEntries }));
      expect(restarted.reader.stateHash()).toBe(before);
      if (snapshotEveryEntries === 3) expect(port.snapshot?.seq).toBe(6);
      // And it carries on numbering the journal where the first one stopped.
      const next = await restarted.submit(limit(1, Side.BUY, 4_000_000, 100));
      expect(next.journalSeq).toBe(8);
    }
  });

  it('stamps every event of an order with its placement time, across a failed commit and a restart', async () => {
    const port = new MemoryPort();
    const t0 = Date.UTC(2026, 0, 1);
    let ms = t0;
    const host = await TradingHost.start(port, options({ now: () => ms }));
    await host.submit(deposit(1, usdt, 1_000_000 * 1e8, 'tx-usdt'));
    await host.submit(deposit(2, btc, 10 * 1e8, 'tx-btc'));
    const placedOf = (outcome: CommandOutcome) =>
      outcome.events.flatMap((e) => (e.kind === 'order' ? [[e.orderId, e.status, e.placedAt - t0]] : []));

    const resting = await host.submit(limit(1, Side.BUY, 5_000_000, 1_000));
    expect(placedOf(resting)).toEqual([[resting.orderId, 'NEW', 0]]);
    // A lost batch's order id is handed out again after the rebuild, to an order of a later time.
    ms = t0 + 1_000;
    port.failNext = true;
    await expect(host.submit(limit(1, Side.BUY, 4_000_000, 1_000))).rejects.toThrow('disk full');
    ms = t0 + 2_000;
    const second = await host.submit(limit(1, Side.BUY, 4_000_000, 1_000));
    expect(second.orderId).toBe(resting.orderId + 1);
    expect(placedOf(second)).toEqual([[second.orderId, 'NEW', 2_000]]);

    ms = t0 + 3_000;
    const cross = await host.submit(limit(2, Side.SELL, 5_000_000, 400));
    expect(placedOf(cross)).toEqual([
      [resting.orderId, 'PARTIALLY_FILLED', 0],
      [cross.orderId, 'FILLED', 3_000],
    ]);
    // A restart learns the open orders' times from the store.
    const restarted = await TradingHost.start(port, options({ now: () => ms }));
    ms = t0 + 4_000;
    const sweep = await restarted.submit(limit(2, Side.SELL, 4_000_000, 1_600));
    expect(placedOf(sweep)).toEqual([
      [resting.orderId, 'FILLED', 0],
      [second.orderId, 'FILLED', 2_000],
      [sweep.orderId, 'FILLED', 4_000],
    ]);
    expect(port.placements).toEqual(new Map());
  });

  it('a failed commit acknowledges nothing and the engine is rebuilt to what the store holds', async () => {
    const port = new MemoryPort();
    const host = await TradingHost.start(port, options());
    await host.submit(deposit(1, usdt, 1_000 * 1e8, 'tx-1'));
    const durable = host.reader.stateHash();
    port.failNext = true;
    await expect(host.submit(limit(1, Side.BUY, 5_000_000, 1_000))).rejects.toThrow('disk full');
    const next = await host.submit(deposit(1, usdt, 5 * 1e8, 'tx-2'));
    expect(next.journalSeq).toBe(2);
    // The failed order is gone: only the two deposits are in the state, and it audits clean.
    expect(host.reader.openOrders(1)).toEqual([]);
    expect(host.reader.balance(1, usdt)).toEqual({ free: 1_005 * 1e8, locked: 0 });
    expect(host.reader.stateHash()).not.toBe(durable);
    const restarted = await TradingHost.start(port, options());
    expect(restarted.reader.stateHash()).toBe(host.reader.stateHash());
  });
});
