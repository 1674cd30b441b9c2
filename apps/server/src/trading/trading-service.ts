import type { TradingBatchHooks } from '../services/sync-service.ts';
import { cancelOrder as cancelOrderCommand, type Command, type TradeEvent } from '@lockstep/engine';
import {
  LockstepError,
  type BalanceView,
  type MyTradeView,
  type OrderView,
  type PlaceOrderBody,
} from '@lockstep/protocol';
import type { OrderPageQuery, OrderRecord, Repositories, Store, TradePageQuery } from '@lockstep/store';
import { QueueRefusal } from '../engine-host/group-commit-queue.ts';
import { TradingHost, type CommandOutcome, type TradingHostObserver } from '../engine-host/trading-host.ts';
import type { EngineMetrics } from '../metrics.ts';
import { StoreTradingPort } from '../engine-host/store-port.ts';
import type { EventBus } from '../services/event-bus.ts';
import { demoAssets, demoLayout, demoMarkets } from './demo-markets.ts';
import { engineRejection, placeOrderCommand } from './order-request.ts';
import { TradingPresenter } from './presenters.ts';
import { MarketFeed } from './market-feed.ts';
import { isoTime } from '../domain/iso-time.ts';

/** The account that collects fees; no user account has id 0. */
export const feeAccountId = 0;

/** What an order request returns: the order's state after the command, and its fills. */
export interface PlacedOrder {
  order: OrderView;
  fills: MyTradeView[];
}

/** How a request names one of its orders: by order id, or by the client order id it was placed with. */
export type OrderRef = { orderId: number } | { clientOrderId: string };

const refField = (ref: OrderRef): string => ('orderId' in ref ? 'orderId' : 'clientOrderId');

/**
 * The gateway's side of trading: turns API requests into engine commands, submits them through
 * the host (acknowledged only once durable), and reads history from the store's projections.
 */
export class TradingService {
  private constructor(
    readonly host: TradingHost,
    private readonly store: Store,
    readonly presenter: TradingPresenter,
    /** Public depth diffs and trades, as batches become durable. */
    readonly feed: MarketFeed,
    /** Where the sync service plugs into every batch's transaction (notifications, price alerts). */
    readonly batchHooks: { current?: TradingBatchHooks },
    private readonly metrics: EngineMetrics | undefined,
  ) {}

  static async start(
    store: Store,
    bus: EventBus,
    options: {
      now: () => number;
      queueMax: number;
      metrics?: EngineMetrics;
      /** Batches, snapshots and store failures, for metrics and the log. */
      observer?: TradingHostObserver;
      /** The HTTP server's count of accepted connections (see GroupCommitOptions). */
      acceptedConnections?: () => number;
    },
  ): Promise<TradingService> {
    const { now, metrics } = options;
    const presenter = new TradingPresenter(demoLayout(feeAccountId));
    const feed = new MarketFeed(presenter);
    const port = new StoreTradingPort(store, bus, presenter, new Set([feeAccountId]));
    const host = await TradingHost.start(port, {
      assets: demoAssets,
      markets: demoMarkets,
      feeAccountId,
      queue: {
        batchSizeMax: 512,
        queueLengthMax: options.queueMax,
        acceptedConnections: options.acceptedConnections,
      },
      snapshotEveryEntries: 50_000,
      now,
      onCommitted: (batch) => feed.publish(batch),
      observer: options.observer,
    });
    metrics?.watchQueue(() => host.queueLength);
    return new TradingService(host, store, presenter, feed, port.hooks, metrics);
  }

  /** Submits a command, turning a full queue into ENGINE_BUSY. */
  async submit(command: Command): Promise<CommandOutcome> {
    try {
      return await this.host.submit(command);
    } catch (error) {
      if (error instanceof QueueRefusal) {
        this.metrics?.refused(error.reason);
        throw new LockstepError('ENGINE_BUSY', error.message);
      }
      throw error;
    }
  }

  async placeOrder(account: number, body: PlaceOrderBody): Promise<PlacedOrder> {
    const outcome = await this.submit(placeOrderCommand(this.host.reader, account, body));
    // A repeated client order id returns the order it already names (idempotent retry).
    if (outcome.result === 'DUPLICATE_CLIENT_ORDER_ID') {
      const existing = await this.store.repos.orders.get(account, outcome.orderId);
      if (existing) return { order: this.orderView(existing), fills: [] };
    }
    if (outcome.result !== 'OK') throw engineRejection(outcome.code);
    return this.placedOrder(account, outcome);
  }

  /** Cancels one open order; by client order id, the open order placed with it (the engine keeps them). */
  async cancelOrder(account: number, symbol: string, ref: OrderRef): Promise<OrderView> {
    const market = this.marketIndex(symbol);
    const outcome = await this.submit(cancelOrderCommand(account, market, ref));
    if (outcome.result !== 'OK') throw engineRejection(outcome.code, refField(ref));
    return this.placedOrder(account, outcome).order;
  }

  async cancelAll(account: number, symbol: string): Promise<OrderView[]> {
    const outcome = await this.submit({ kind: 'cancelAll', account, market: this.marketIndex(symbol) });
    if (outcome.result !== 'OK') throw engineRejection(outcome.code);
    return outcome.events.flatMap((e) =>
      e.kind === 'order' && e.account === account ? [this.presenter.order(e, outcome.at)] : [],
    );
  }

  /**
   * One-click close (C6): cancels the account's open orders on the symbol and sells its whole
   * free holding of the base asset at market, in one engine command.
   */
  async closePosition(
    account: number,
    symbol: string,
  ): Promise<{ orders: OrderView[]; fills: MyTradeView[] }> {
    const outcome = await this.submit({ kind: 'close', account, market: this.marketIndex(symbol) });
    if (outcome.result !== 'OK') throw engineRejection(outcome.code, 'symbol');
    const orders = new Map<number, OrderView>();
    const fills: MyTradeView[] = [];
    for (const event of outcome.events) {
      if (event.kind === 'order' && event.account === account)
        orders.set(event.orderId, this.presenter.order(event, outcome.at));
      if (event.kind === 'trade') {
        for (const side of this.presenter.tradeSides(event, outcome.at))
          if (side.account === account) fills.push(side.trade);
      }
    }
    return { orders: [...orders.values()], fills };
  }

  /**
   * The account's orders, newest first, from the store (C4). A page is one statement per symbol
   * (`orders.page`), so without `repos` it reads in one consistent view: a batch committed meanwhile
   * shows in all of the page's ranges or in none.
   */
  async orderHistory(account: number, query: OrderPageQuery, repos?: Repositories): Promise<OrderView[]> {
    if (query.symbol !== undefined) this.marketIndex(query.symbol);
    const rows = repos
      ? await repos.orders.page(account, query)
      : await this.store.readConsistent((r) => r.orders.page(account, query));
    return rows.map((o) => this.orderView(o));
  }

  /** The account's fills, newest first, from the store (C4); one consistent view, as `orderHistory`. */
  async tradeHistory(account: number, query: TradePageQuery, repos?: Repositories): Promise<MyTradeView[]> {
    if (query.symbol !== undefined) this.marketIndex(query.symbol);
    const rows = repos
      ? await repos.trades.page(account, query)
      : await this.store.readConsistent((r) => r.trades.page(account, query));
    return rows.flatMap((t) => {
      const event: TradeEvent = {
        kind: 'trade',
        market: this.marketIndex(t.symbol),
        tradeId: t.id,
        price: t.price,
        quantity: t.quantity,
        quoteQty: t.quoteQty,
        buyerOrderId: t.buyerOrderId,
        sellerOrderId: t.sellerOrderId,
        buyerAccount: t.buyerAccountId,
        sellerAccount: t.sellerAccountId,
        buyerIsMaker: t.makerSide === 'BUY',
        buyerFee: t.buyerFee,
        sellerFee: t.sellerFee,
      };
      // A self-trade is both sides of one account; it shows as two fills, as on Binance, except
      // when one order's fills were asked for: then only that order's side.
      return this.presenter
        .tradeSides(event, t.createdAt)
        .flatMap((s) =>
          s.account === account && (query.orderId === undefined || s.trade.orderId === query.orderId)
            ? [s.trade]
            : [],
        );
    });
  }

  async balances(account: number, repos: Repositories = this.store.repos): Promise<BalanceView[]> {
    const rows = await repos.balances.list(account);
    return rows.map((b) => {
      const asset = this.host.reader.assetId(b.asset) ?? 0;
      return {
        asset: b.asset,
        free: this.presenter.amount(asset, b.free),
        locked: this.presenter.amount(asset, b.locked),
      };
    });
  }

  async openOrders(
    account: number,
    symbol?: string,
    repos: Repositories = this.store.repos,
  ): Promise<OrderView[]> {
    if (symbol !== undefined) this.marketIndex(symbol);
    return (await repos.orders.open(account, symbol)).map((o) => this.orderView(o));
  }

  /** One order of the account in its latest committed state. */
  /**
   * One order in its latest state. By client order id: the open order with it, else the most recent
   * closed one among the account's last 10,000 orders on the symbol (`OrderRepository.byClientOrderId`).
   */
  async getOrder(account: number, symbol: string, ref: OrderRef): Promise<OrderView> {
    this.marketIndex(symbol);
    const { orders } = this.store.repos;
    const order =
      'orderId' in ref
        ? await orders.get(account, ref.orderId)
        : await orders.byClientOrderId(account, symbol, ref.clientOrderId);
    if (!order || order.symbol !== symbol) {
      const name = 'orderId' in ref ? ref.orderId : ref.clientOrderId;
      throw new LockstepError('UNKNOWN_ORDER', `no order ${name} on ${symbol}`, { field: refField(ref) });
    }
    return this.orderView(order);
  }

  /** Every configured market symbol. */
  symbols(): string[] {
    return demoMarkets.map((m) => m.symbol);
  }

  marketIndex(symbol: string): number {
    const index = this.host.reader.marketId(symbol);
    if (index === undefined)
      throw new LockstepError('UNKNOWN_SYMBOL', `no market ${symbol}`, { field: 'symbol' });
    return index;
  }

  close(): Promise<void> {
    return this.host.close();
  }

  /** The answer to a request, in the batch's time, as the store and the streams have it. */
  private placedOrder(account: number, outcome: CommandOutcome): PlacedOrder {
    let order: OrderView | undefined;
    const fills: MyTradeView[] = [];
    for (const event of outcome.events) {
      if (event.kind === 'order' && event.orderId === outcome.orderId)
        order = this.presenter.order(event, outcome.at);
      if (event.kind === 'trade') {
        for (const side of this.presenter.tradeSides(event, outcome.at)) {
          if (side.account === account && side.trade.orderId === outcome.orderId) fills.push(side.trade);
        }
      }
    }
    if (!order)
      throw new Error(`engine reported ${outcome.result} for order ${outcome.orderId} without its state`);
    return { order, fills };
  }

  private orderView(o: OrderRecord): OrderView {
    const market = this.marketIndex(o.symbol);
    const quote = this.host.reader.market(market)!.quote;
    return {
      orderId: o.id,
      clientOrderId: o.clientOrderId ?? '',
      symbol: o.symbol,
      side: o.side,
      type: o.type as OrderView['type'],
      timeInForce: (o.timeInForce ?? 'GTC') as OrderView['timeInForce'],
      price: this.presenter.price(market, o.price ?? 0),
      stopPrice: this.presenter.price(market, o.stopPrice ?? 0),
      origQty: this.presenter.quantity(market, o.quantity ?? 0),
      origQuoteOrderQty: this.presenter.amount(quote, o.quoteOrderQty ?? 0),
      executedQty: this.presenter.quantity(market, o.executedQty),
      cummulativeQuoteQty: this.presenter.amount(quote, o.cumulativeQuote),
      status: o.status,
      selfTradePreventionMode: o.stpMode as OrderView['selfTradePreventionMode'],
      time: isoTime(o.createdAt),
      updateTime: isoTime(o.updatedAt),
    };
  }
}
