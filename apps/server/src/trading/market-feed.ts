import type { DepthDiffMessage, TradeMessage } from '@lockstep/protocol';
import type { CommittedBatch } from '../engine-host/trading-host.ts';
import type { TradingPresenter } from './presenters.ts';

export type MarketMessage = DepthDiffMessage | TradeMessage;

/**
 * Public market data as it becomes durable: each committed command's depth changes as one diff
 * (its update id is both U and u, so a symbol's diffs chain without gaps) and each trade.
 */
export class MarketFeed {
  private readonly listeners = new Set<(message: MarketMessage) => void>();

  constructor(private readonly presenter: TradingPresenter) {}

  subscribe(listener: (message: MarketMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Turns a committed batch into diffs and trades, in engine order, and hands them out. */
  publish(batch: CommittedBatch): void {
    if (this.listeners.size === 0) return;
    for (const outcome of batch.outcomes) {
      const diffs = new Map<string, DepthDiffMessage>();
      for (const event of outcome.events) {
        if (event.kind === 'depth') {
          const symbol = this.presenter.symbol(event.market);
          const key = `${symbol}:${event.u}`;
          const diff = diffs.get(key) ?? {
            type: 'depth',
            symbol,
            U: event.U,
            u: event.u,
            bids: [],
            asks: [],
          };
          const level: [string, string] = [
            this.presenter.price(event.market, event.price),
            this.presenter.quantity(event.market, event.quantity),
          ];
          (event.side === 'BUY' ? diff.bids : diff.asks).push(level);
          diffs.set(key, diff);
        } else if (event.kind === 'trade') {
          for (const diff of diffs.values()) this.emit(diff);
          diffs.clear();
          this.emit(this.trade(event.market, event, batch.at));
        }
      }
      for (const diff of diffs.values()) this.emit(diff);
    }
  }

  private trade(
    market: number,
    event: { tradeId: number; price: number; quantity: number; quoteQty: number; buyerIsMaker: boolean },
    at: number,
  ): TradeMessage {
    const quote = this.presenter.quoteAsset(market);
    return {
      type: 'trade',
      symbol: this.presenter.symbol(market),
      id: event.tradeId,
      price: this.presenter.price(market, event.price),
      qty: this.presenter.quantity(market, event.quantity),
      quoteQty: this.presenter.amount(quote, event.quoteQty),
      time: at,
      isBuyerMaker: event.buyerIsMaker,
    };
  }

  private emit(message: MarketMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}
