import { Type, type Static } from '@sinclair/typebox';

/**
 * Public market data of the native API (C5, B5): markets, depth, recent trades, 24h tickers and
 * candlesticks. No session is needed. Prices, quantities and amounts are exact decimal strings;
 * times are Unix milliseconds, as in Binance's market data, so clients can reuse their tooling.
 */

/** The candlestick intervals the store keeps. */
export const klineIntervals = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type KlineInterval = (typeof klineIntervals)[number];
/** A kline interval on the wire, typed as the union of the intervals. */
export const KlineIntervalParam = Type.Unsafe<KlineInterval>(
  Type.String({ enum: [...klineIntervals], title: 'KlineInterval' }),
);

const Millis = Type.Integer({ description: 'Unix time in milliseconds.' });

/** One market with its filters (PRICE_FILTER, LOT_SIZE, NOTIONAL) and fee rates. */
export const MarketView = Type.Object({
  symbol: Type.String(),
  baseAsset: Type.String(),
  quoteAsset: Type.String(),
  tickSize: Type.String(),
  stepSize: Type.String(),
  minPrice: Type.String(),
  maxPrice: Type.String(),
  minQty: Type.String(),
  maxQty: Type.String(),
  minNotional: Type.String({ description: 'In the quote asset.' }),
  makerFeeRate: Type.String({ description: 'Fraction of the traded amount, e.g. 0.001 is 0.1%.' }),
  takerFeeRate: Type.String({ description: 'Fraction of the traded amount, e.g. 0.001 is 0.1%.' }),
});
export type MarketView = Static<typeof MarketView>;

const Level = Type.Tuple([Type.String(), Type.String()], { description: '[price, quantity]' });

/** The book's best levels, current as of `lastUpdateId` (the `u` of the depth diffs). */
export const DepthView = Type.Object({
  lastUpdateId: Type.Integer(),
  bids: Type.Array(Level, { description: 'Best (highest) price first.' }),
  asks: Type.Array(Level, { description: 'Best (lowest) price first.' }),
});
export type DepthView = Static<typeof DepthView>;

/** One public trade (Binance's recent trades list). */
export const PublicTradeView = Type.Object({
  id: Type.Integer(),
  price: Type.String(),
  qty: Type.String(),
  quoteQty: Type.String(),
  time: Millis,
  isBuyerMaker: Type.Boolean(),
});
export type PublicTradeView = Static<typeof PublicTradeView>;

/** Rolling 24-hour statistics, summed from the 1-minute candles of the window. */
export const TickerView = Type.Object({
  symbol: Type.String(),
  priceChange: Type.String({ description: 'lastPrice − openPrice.' }),
  priceChangePercent: Type.String({
    description: '100 × priceChange / openPrice, rounded half away from zero to 3 decimals.',
  }),
  weightedAvgPrice: Type.String({
    description: 'quoteVolume / volume, rounded half away from zero to the quote asset decimals.',
  }),
  openPrice: Type.String(),
  highPrice: Type.String(),
  lowPrice: Type.String(),
  lastPrice: Type.String(),
  volume: Type.String({ description: 'In the base asset.' }),
  quoteVolume: Type.String({ description: 'In the quote asset.' }),
  count: Type.Integer({ description: 'Number of trades.' }),
  openTime: Millis,
  closeTime: Millis,
});
export type TickerView = Static<typeof TickerView>;

/** One candlestick; `closeTime` is the last millisecond of its interval. */
export const KlineView = Type.Object({
  openTime: Millis,
  open: Type.String(),
  high: Type.String(),
  low: Type.String(),
  close: Type.String(),
  volume: Type.String({ description: 'In the base asset.' }),
  closeTime: Millis,
  quoteVolume: Type.String({ description: 'In the quote asset.' }),
  count: Type.Integer({ description: 'Number of trades.' }),
});
export type KlineView = Static<typeof KlineView>;

/** Query of the klines route: the first `limit` from `startTime`, else the last `limit` up to `endTime`. */
export interface KlineQuery {
  interval: KlineInterval;
  startTime?: number;
  endTime?: number;
  limit?: number;
}
