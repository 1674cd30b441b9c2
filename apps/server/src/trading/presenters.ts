import {
  formatMultiple,
  formatUnits,
  type BalanceEvent,
  type Engine,
  type OrderEvent,
  type TradeEvent,
} from '@lockstep/engine';
import type { BalanceView, MyTradeView, OrderView } from '@lockstep/protocol';
import { isoTime } from '../domain/iso-time.ts';

/**
 * Turns engine integers (ticks, lots, smallest units) into the API's exact decimal strings. The
 * engine's markets and assets are fixed once it starts, so the lookups are made once.
 */
export class TradingPresenter {
  /**
   * Order views already made, by event. A batch presents an order's event for the account stream,
   * again for the answer to the request that placed or cancelled it, and for a fill notification;
   * each view is frozen, so sharing it cannot let one use change another.
   */
  private readonly orderViews = new WeakMap<OrderEvent, { at: number; view: OrderView }>();

  constructor(private readonly engine: Engine) {}

  assetCode(asset: number): string {
    return this.asset(asset).code;
  }

  /** The index of a market's base asset. */
  baseAsset(market: number): number {
    return this.market(market).base;
  }

  /** The index of a market's quote asset. */
  quoteAsset(market: number): number {
    return this.market(market).quote;
  }

  symbol(market: number): string {
    return this.market(market).symbol;
  }

  amount(asset: number, units: number): string {
    return formatUnits(units, this.asset(asset).decimals);
  }

  price(market: number, ticks: number): string {
    return formatMultiple(ticks, this.market(market).tick);
  }

  quantity(market: number, lots: number): string {
    return formatMultiple(lots, this.market(market).step);
  }

  balance(event: BalanceEvent): BalanceView {
    return {
      asset: this.assetCode(event.asset),
      free: this.amount(event.asset, event.free),
      locked: this.amount(event.asset, event.locked),
    };
  }

  order(event: OrderEvent, at: number): OrderView {
    const known = this.orderViews.get(event);
    if (known !== undefined && known.at === at) return known.view;
    const market = this.market(event.market);
    const view: OrderView = Object.freeze({
      orderId: event.orderId,
      clientOrderId: event.clientOrderId,
      symbol: market.symbol,
      side: event.side,
      type: event.type,
      timeInForce: event.timeInForce,
      price: this.price(event.market, event.price),
      stopPrice: this.price(event.market, event.stopPrice),
      origQty: this.quantity(event.market, event.quantity),
      origQuoteOrderQty: this.amount(market.quote, event.quoteOrderQty),
      executedQty: this.quantity(event.market, event.executed),
      cummulativeQuoteQty: this.amount(market.quote, event.cumQuote),
      status: event.status,
      selfTradePreventionMode: event.stp,
      time: isoTime(event.placedAt),
      updateTime: isoTime(at),
    });
    this.orderViews.set(event, { at, view });
    return view;
  }

  /** The trade as each of its accounts sees it: the buyer's view and the seller's. */
  tradeSides(event: TradeEvent, at: number): Array<{ account: number; trade: MyTradeView }> {
    const market = this.market(event.market);
    const common = {
      tradeId: event.tradeId,
      symbol: market.symbol,
      price: this.price(event.market, event.price),
      qty: this.quantity(event.market, event.quantity),
      quoteQty: this.amount(market.quote, event.quoteQty),
      time: isoTime(at),
    };
    return [
      {
        account: event.buyerAccount,
        trade: {
          ...common,
          orderId: event.buyerOrderId,
          side: 'BUY',
          commission: this.amount(market.base, event.buyerFee),
          commissionAsset: this.assetCode(market.base),
          isMaker: event.buyerIsMaker,
        },
      },
      {
        account: event.sellerAccount,
        trade: {
          ...common,
          orderId: event.sellerOrderId,
          side: 'SELL',
          commission: this.amount(market.quote, event.sellerFee),
          commissionAsset: this.assetCode(market.quote),
          isMaker: !event.buyerIsMaker,
        },
      },
    ];
  }

  private asset(index: number): { code: string; decimals: number } {
    const asset = this.engine.asset(index);
    if (!asset) throw new RangeError(`unknown asset ${index}`);
    return asset;
  }

  private market(index: number) {
    const market = this.engine.market(index);
    if (!market) throw new RangeError(`unknown market ${index}`);
    return market;
  }
}
