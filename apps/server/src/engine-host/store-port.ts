import type { Command, EngineEvent, EngineSnapshot, OrderEvent, TradeEvent } from '@lockstep/engine';
import type { BalanceUpdatedEvent, OrderUpdatedEvent, TradeExecutedEvent } from '@lockstep/protocol';
import type {
  BalanceRecord,
  CandleRecord,
  OrderRecord,
  Repositories,
  Store,
  TradeRecord,
} from '@lockstep/store';
import { commitWithEvents, type Emit } from '../services/account-stream.ts';
import type { EventBus } from '../services/event-bus.ts';
import type { TradingBatchHooks } from '../services/sync-service.ts';
import { candleUpdates, type CandleTrade } from '../trading/market-data.ts';
import type { TradingPresenter } from '../trading/presenters.ts';
import { balanceEventJson, orderEventJson, tradeEventJson } from '../trading/view-json.ts';
import type { CommittedBatch, JournalEntry, TradingStorePort } from './trading-host.ts';

/** Journal entries are read back in pages of this many, so a long replay never loads all at once. */
const journalPageSize = 5_000;

/**
 * The trading host's durable side on the relational store: one transaction per batch writes the
 * journal entries, the projections (balances, orders, trades) and the account events, so a
 * device never sees a change the store could lose.
 */
export class StoreTradingPort implements TradingStorePort {
  /**
   * The newest stored candle of each symbol and interval (null: none), as committed. A batch's
   * trades fall in that candle or after it, since batch times never go back, so folding them
   * needs no read; only a trade older than it (a clock stepped back further than the host holds)
   * reads the store. Kept only from committed batches, and dropped whole when a commit fails,
   * which may leave the store's state unknown.
   */
  private readonly newestCandles = new Map<string, CandleRecord | null>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly presenter: TradingPresenter,
    /** Accounts with no row in `accounts` (the fee account) get projections but no stream. */
    private readonly streamless: ReadonlySet<number>,
    /** Notifications and price alerts of a batch (SyncService), set once the service exists. */
    readonly hooks: { current?: TradingBatchHooks } = {},
  ) {}

  async load(): Promise<{
    snapshot: { seq: number; state: EngineSnapshot } | null;
    entries: JournalEntry[];
    lastAt: number;
    openOrders: Array<{ id: number; placedAt: number }>;
  }> {
    const latest = await this.store.repos.snapshots.latest();
    const snapshot = latest ? { seq: latest.journalSeq, state: latest.state as EngineSnapshot } : null;
    const entries: JournalEntry[] = [];
    // The last batch's time: the entry the snapshot was taken at, then every entry after it.
    let lastAt = 0;
    if (snapshot !== null && snapshot.seq > 0)
      lastAt = (await this.store.repos.journal.after(snapshot.seq - 1, 1))[0]?.createdAt ?? 0;
    for (let after = snapshot?.seq ?? 0; ;) {
      const page = await this.store.repos.journal.after(after, journalPageSize);
      for (const e of page) {
        entries.push({ seq: e.seq, command: e.command as Command });
        lastAt = Math.max(lastAt, e.createdAt);
      }
      if (page.length < journalPageSize) break;
      after = page[page.length - 1]!.seq;
    }
    // The orders table is written in the journal's transactions, so it is as of the last entry.
    const openOrders = (await this.store.repos.orders.openPlacements()).map((o) => ({
      id: o.id,
      placedAt: o.createdAt,
    }));
    return { snapshot, entries, lastAt, openOrders };
  }

  async commit(batch: CommittedBatch): Promise<void> {
    // A batch is known by its first journal position: unique and increasing across restarts.
    const batchNumber = batch.entries[0]?.seq ?? 0;
    let candles: CandleRecord[] = [];
    try {
      await commitWithEvents(this.store, this.bus, batch.at, async (repos, emit) => {
        await repos.journal.append(
          batch.entries.map((e) => ({
            seq: e.seq,
            batch: batchNumber,
            command: e.command,
            createdAt: batch.at,
          })),
        );
        candles = await this.project(repos, batch.events, batch.at);
        this.stream(emit, batch.events, batch.at);
        await this.hooks.current?.inBatch(repos, emit, batch);
      });
    } catch (error) {
      this.newestCandles.clear();
      throw error;
    }
    for (const candle of candles) {
      const key = candleKey(candle.symbol, candle.interval);
      const newest = this.newestCandles.get(key);
      if (newest === null || (newest !== undefined && candle.openTime >= newest.openTime))
        this.newestCandles.set(key, candle);
    }
    this.hooks.current?.committed();
  }

  async saveSnapshot(seq: number, state: EngineSnapshot): Promise<void> {
    await this.store.repos.snapshots.put({ journalSeq: seq, state, createdAt: Date.now() });
  }

  /** Writes the batch's projections; returns the candles it wrote. */
  private async project(
    repos: Repositories,
    events: readonly EngineEvent[],
    at: number,
  ): Promise<CandleRecord[]> {
    const balances: BalanceRecord[] = [];
    const orders: OrderRecord[] = [];
    const trades: TradeRecord[] = [];
    for (const event of events) {
      if (event.kind === 'balance') {
        const asset = this.presenter.assetCode(event.asset);
        balances.push({
          accountId: event.account,
          asset,
          free: event.free,
          locked: event.locked,
          updatedAt: at,
        });
      } else if (event.kind === 'order') {
        orders.push(this.orderRecord(event, at));
      } else if (event.kind === 'trade') {
        trades.push(this.tradeRecord(event, at));
      }
    }
    await repos.balances.upsertMany(balances);
    await repos.orders.upsertMany(orders);
    await repos.trades.insertMany(trades);
    return this.projectCandles(repos, trades);
  }

  /**
   * Folds the batch's trades into the stored candles of every interval, in the same transaction,
   * so candles never count a trade the store lost nor miss one it kept.
   */
  private async projectCandles(repos: Repositories, trades: readonly TradeRecord[]): Promise<CandleRecord[]> {
    if (trades.length === 0) return [];
    const candleTrades: CandleTrade[] = trades.map((t) => ({
      symbol: t.symbol,
      price: t.price,
      quantity: t.quantity,
      quoteQty: t.quoteQty,
      at: t.createdAt,
    }));
    const candles = await candleUpdates(candleTrades, async (symbol, interval, query) => {
      const key = candleKey(symbol, interval);
      let newest = this.newestCandles.get(key);
      if (newest === undefined) {
        newest = (await repos.candles.range(symbol, interval, { limit: 1 }))[0] ?? null;
        this.newestCandles.set(key, newest);
      }
      if (newest === null || query.startTime > newest.openTime) return [];
      if (query.startTime === newest.openTime) return [newest];
      return repos.candles.range(symbol, interval, query);
    });
    await repos.candles.upsertMany(candles);
    return candles;
  }

  /** Every balance, order and trade change goes onto the account's stream, in engine order. */
  private stream(emit: Emit, events: readonly EngineEvent[], at: number): void {
    for (const event of events) {
      if (event.kind === 'balance' && !this.streamless.has(event.account)) {
        const balance = this.presenter.balance(event);
        emit<BalanceUpdatedEvent>(event.account, 'balance.updated', { balance }, balanceEventJson(balance));
      } else if (event.kind === 'order' && !this.streamless.has(event.account)) {
        const order = this.presenter.order(event, at);
        emit<OrderUpdatedEvent>(event.account, 'order.updated', { order }, orderEventJson(order));
      } else if (event.kind === 'trade') {
        for (const side of this.presenter.tradeSides(event, at)) {
          if (this.streamless.has(side.account)) continue;
          emit<TradeExecutedEvent>(
            side.account,
            'trade.executed',
            { trade: side.trade },
            tradeEventJson(side.trade),
          );
        }
      }
    }
  }

  private orderRecord(event: OrderEvent, at: number): OrderRecord {
    const symbol = this.presenter.symbol(event.market);
    // Zero means "not given" in the engine; the store keeps it as null.
    const orNull = (value: number): number | null => (value === 0 ? null : value);
    return {
      id: event.orderId,
      accountId: event.account,
      symbol,
      clientOrderId: event.clientOrderId === '' ? null : event.clientOrderId,
      side: event.side,
      type: event.type,
      timeInForce: event.timeInForce,
      price: orNull(event.price),
      stopPrice: orNull(event.stopPrice),
      quantity: orNull(event.quantity),
      quoteOrderQty: orNull(event.quoteOrderQty),
      executedQty: event.executed,
      cumulativeQuote: event.cumQuote,
      status: event.status,
      stpMode: event.stp,
      createdAt: event.placedAt,
      updatedAt: at,
    };
  }

  private tradeRecord(event: TradeEvent, at: number): TradeRecord {
    // The buyer pays its fee in the base asset, the seller in the quote asset.
    const buyerFeeAsset = this.presenter.assetCode(this.presenter.baseAsset(event.market));
    const sellerFeeAsset = this.presenter.assetCode(this.presenter.quoteAsset(event.market));
    return {
      symbol: this.presenter.symbol(event.market),
      id: event.tradeId,
      price: event.price,
      quantity: event.quantity,
      quoteQty: event.quoteQty,
      buyerOrderId: event.buyerOrderId,
      sellerOrderId: event.sellerOrderId,
      buyerAccountId: event.buyerAccount,
      sellerAccountId: event.sellerAccount,
      makerSide: event.buyerIsMaker ? 'BUY' : 'SELL',
      buyerFee: event.buyerFee,
      sellerFee: event.sellerFee,
      buyerFeeAsset,
      sellerFeeAsset,
      createdAt: at,
    };
  }
}

function candleKey(symbol: string, interval: string): string {
  return `${symbol} ${interval}`;
}
