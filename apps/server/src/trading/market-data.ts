import { formatMultiple, formatUnits, type Engine, type Market } from '@lockstep/engine';
import {
  klineIntervals,
  type DepthView,
  type KlineInterval,
  type KlineView,
  type MarketView,
  type PublicTradeView,
  type TickerView,
} from '@lockstep/protocol';
import type { CandleRecord, Store } from '@lockstep/store';
import type { TradingService } from './trading-service.ts';

/** Length of each kline interval in milliseconds. */
export const intervalMs: Readonly<Record<KlineInterval, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** Minutes in the rolling ticker window (24 hours of 1m candles, the current minute included). */
const tickerMinutes = 1_440;

/** Digits of `priceChangePercent`, as Binance shows it. */
const percentDecimals = 3;

/** A trade as candles see it: engine integers (ticks, lots, quote units) and when it committed. */
export interface CandleTrade {
  symbol: string;
  price: number;
  quantity: number;
  quoteQty: number;
  at: number;
}

/** Reads stored candles of one (symbol, interval) with open times in [startTime, endTime]. */
export type CandleReader = (
  symbol: string,
  interval: KlineInterval,
  query: { startTime: number; endTime: number; limit: number },
) => Promise<CandleRecord[]>;

/** The open time of the interval holding `at`: intervals are aligned to the Unix epoch, so UTC. */
export function candleOpenTime(at: number, interval: KlineInterval): number {
  const length = intervalMs[interval];
  return Math.floor(at / length) * length;
}

/** The candle after one more trade: a new candle opens at the trade's price. */
export function foldTrade(
  candle: CandleRecord | undefined,
  trade: CandleTrade,
  interval: KlineInterval,
): CandleRecord {
  if (!candle) {
    return {
      symbol: trade.symbol,
      interval,
      openTime: candleOpenTime(trade.at, interval),
      open: trade.price,
      high: trade.price,
      low: trade.price,
      close: trade.price,
      volume: trade.quantity,
      quoteVolume: trade.quoteQty,
      tradeCount: 1,
    };
  }
  return {
    ...candle,
    high: Math.max(candle.high, trade.price),
    low: Math.min(candle.low, trade.price),
    close: trade.price,
    volume: candle.volume + trade.quantity,
    quoteVolume: candle.quoteVolume + trade.quoteQty,
    tradeCount: candle.tradeCount + 1,
  };
}

/**
 * The candles of every interval changed by `trades` (in execution order), merged with the stored
 * ones. One read per (symbol, interval) covers all the open times the trades touch, so a batch
 * of thousands of trades costs a handful of queries, not one per trade.
 */
export async function candleUpdates(
  trades: readonly CandleTrade[],
  read: CandleReader,
): Promise<CandleRecord[]> {
  const bySymbol = new Map<string, CandleTrade[]>();
  for (const trade of trades) {
    const list = bySymbol.get(trade.symbol) ?? [];
    list.push(trade);
    bySymbol.set(trade.symbol, list);
  }
  const updated: CandleRecord[] = [];
  for (const [symbol, symbolTrades] of bySymbol) {
    for (const interval of klineIntervals) {
      const opens = symbolTrades.map((t) => candleOpenTime(t.at, interval));
      // A loop, not Math.min(...opens): a sweeping batch may hold more trades than a call takes arguments.
      let startTime = opens[0]!;
      let endTime = opens[0]!;
      for (const open of opens) {
        if (open < startTime) startTime = open;
        if (open > endTime) endTime = open;
      }
      const limit = (endTime - startTime) / intervalMs[interval] + 1;
      const stored = await read(symbol, interval, { startTime, endTime, limit });
      const candles = new Map(stored.map((c) => [c.openTime, c]));
      symbolTrades.forEach((trade, i) => {
        candles.set(opens[i]!, foldTrade(candles.get(opens[i]!), trade, interval));
      });
      const touched = new Set(opens);
      for (const [openTime, candle] of candles) if (touched.has(openTime)) updated.push(candle);
    }
  }
  return updated;
}

/** 24h totals as exact integers; sums are BigInt because a day's quote volume may pass 2^53. */
export interface RollingStats {
  open: number;
  high: number;
  low: number;
  last: number;
  volume: bigint;
  quoteVolume: bigint;
  count: number;
}

/** Sums candles ascending by open time into one window's statistics (zeros when empty). */
export function sumCandles(candles: readonly CandleRecord[]): RollingStats {
  const stats: RollingStats = {
    open: candles[0]?.open ?? 0,
    high: 0,
    low: candles[0]?.low ?? 0,
    last: candles.at(-1)?.close ?? 0,
    volume: 0n,
    quoteVolume: 0n,
    count: 0,
  };
  for (const c of candles) {
    stats.high = Math.max(stats.high, c.high);
    stats.low = Math.min(stats.low, c.low);
    stats.volume += BigInt(c.volume);
    stats.quoteVolume += BigInt(c.quoteVolume);
    stats.count += c.tradeCount;
  }
  return stats;
}

/** Formats `value × 10^-decimals` exactly. */
export function formatScaled(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const text = decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/** `numerator / denominator` to `decimals` places, rounded half away from zero; "0" scale when den is 0. */
export function divideRounded(numerator: bigint, denominator: bigint, decimals: number): string {
  if (denominator === 0n) return formatScaled(0n, decimals);
  const negative = numerator < 0n !== denominator < 0n;
  const n = (numerator < 0n ? -numerator : numerator) * 10n ** BigInt(decimals);
  const d = denominator < 0n ? -denominator : denominator;
  // Half away from zero: add half the divisor to the magnitude before truncating.
  const magnitude = (2n * n + d) / (2n * d);
  return formatScaled(negative ? -magnitude : magnitude, decimals);
}

/**
 * Public market data (C5, B5): the book from the engine, trades and candles from the store. The
 * store's candles make the 24h ticker survive restarts without replaying trades.
 */
export class MarketData {
  constructor(
    private readonly trading: TradingService,
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** Every market with its filters and fee rates. */
  markets(): MarketView[] {
    const views: MarketView[] = [];
    for (let index = 0; this.engine.market(index) !== undefined; index++) {
      views.push(this.marketView(this.engine.market(index)!));
    }
    return views;
  }

  /** The best `limit` levels of each side. */
  depth(symbol: string, limit: number): DepthView {
    const market = this.trading.marketIndex(symbol);
    const snapshot = this.engine.depth(market, limit);
    const present = ([price, qty]: [number, number]): [string, string] => [
      this.trading.presenter.price(market, price),
      this.trading.presenter.quantity(market, qty),
    ];
    return {
      lastUpdateId: snapshot.lastUpdateId,
      bids: snapshot.bids.map(present),
      asks: snapshot.asks.map(present),
    };
  }

  /** The last `limit` trades, oldest first. */
  async trades(symbol: string, limit: number): Promise<PublicTradeView[]> {
    const market = this.trading.marketIndex(symbol);
    const quote = this.engine.market(market)!.quote;
    const rows = await this.store.repos.trades.recent(symbol, limit);
    return rows.map((t) => ({
      id: t.id,
      price: this.trading.presenter.price(market, t.price),
      qty: this.trading.presenter.quantity(market, t.quantity),
      quoteQty: this.trading.presenter.amount(quote, t.quoteQty),
      time: t.createdAt,
      isBuyerMaker: t.makerSide === 'BUY',
    }));
  }

  /** Rolling 24h statistics of one market. */
  async ticker(symbol: string): Promise<TickerView> {
    const market = this.engine.market(this.trading.marketIndex(symbol))!;
    // Not before the last batch: while the host holds batch times after the clock stepped back,
    // the newest trades are stamped later than the clock reads, and the window must include them.
    const now = Math.max(this.now(), this.trading.host.lastBatchAt);
    const openTime = candleOpenTime(now, '1m') - (tickerMinutes - 1) * intervalMs['1m'];
    const candles = await this.store.repos.candles.range(symbol, '1m', {
      startTime: openTime,
      endTime: now,
      limit: tickerMinutes,
    });
    return this.tickerView(market, sumCandles(candles), openTime, now);
  }

  /** Rolling 24h statistics of every market. */
  async tickers(): Promise<TickerView[]> {
    const views: TickerView[] = [];
    for (const market of this.markets()) views.push(await this.ticker(market.symbol));
    return views;
  }

  /** Candles ascending by open time (Binance's klines paging rules). */
  async klines(
    symbol: string,
    query: { interval: KlineInterval; startTime?: number; endTime?: number; limit: number },
  ): Promise<KlineView[]> {
    const index = this.trading.marketIndex(symbol);
    const market = this.engine.market(index)!;
    const rows = await this.store.repos.candles.range(symbol, query.interval, {
      ...(query.startTime !== undefined ? { startTime: query.startTime } : {}),
      ...(query.endTime !== undefined ? { endTime: query.endTime } : {}),
      limit: query.limit,
    });
    const p = this.trading.presenter;
    return rows.map((c) => ({
      openTime: c.openTime,
      open: p.price(index, c.open),
      high: p.price(index, c.high),
      low: p.price(index, c.low),
      close: p.price(index, c.close),
      volume: p.quantity(index, c.volume),
      closeTime: c.openTime + intervalMs[query.interval] - 1,
      quoteVolume: p.amount(market.quote, c.quoteVolume),
      count: c.tradeCount,
    }));
  }

  private get engine(): Engine {
    return this.trading.host.reader;
  }

  private marketView(m: Market): MarketView {
    const p = this.trading.presenter;
    return {
      symbol: m.symbol,
      baseAsset: p.assetCode(m.base),
      quoteAsset: p.assetCode(m.quote),
      tickSize: formatMultiple(1, m.tick),
      stepSize: formatMultiple(1, m.step),
      minPrice: p.price(m.index, m.minPriceTicks),
      maxPrice: p.price(m.index, m.maxPriceTicks),
      minQty: p.quantity(m.index, m.minLots),
      maxQty: p.quantity(m.index, m.maxLots),
      minNotional: p.amount(m.quote, m.minNotional),
      // Rates are kept in parts per million.
      makerFeeRate: formatUnits(m.makerFeePpm, 6),
      takerFeeRate: formatUnits(m.takerFeePpm, 6),
    };
  }

  private tickerView(m: Market, s: RollingStats, openTime: number, closeTime: number): TickerView {
    const p = this.trading.presenter;
    const quoteDecimals = this.engine.asset(m.quote)!.decimals;
    // Volume in lots is volume × stepMantissa units of 10^-stepDecimals base.
    const volumeScaled = s.volume * BigInt(m.step.mantissa);
    return {
      symbol: m.symbol,
      priceChange: p.price(m.index, s.last - s.open),
      priceChangePercent: divideRounded(100n * BigInt(s.last - s.open), BigInt(s.open), percentDecimals),
      // price = (quote units × 10^-qd) / (lots × mantissa × 10^-sd), shown to the quote's decimals.
      weightedAvgPrice: divideRounded(
        s.quoteVolume * 10n ** BigInt(m.step.decimals),
        volumeScaled * 10n ** BigInt(quoteDecimals),
        quoteDecimals,
      ),
      openPrice: p.price(m.index, s.open),
      highPrice: p.price(m.index, s.high),
      lowPrice: p.price(m.index, s.low),
      lastPrice: p.price(m.index, s.last),
      volume: formatScaled(volumeScaled, m.step.decimals),
      quoteVolume: formatScaled(s.quoteVolume, quoteDecimals),
      count: s.count,
      openTime,
      closeTime,
    };
  }
}
