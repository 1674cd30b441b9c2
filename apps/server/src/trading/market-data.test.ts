import { describe, expect, it } from 'vitest';
import type { CandleRecord } from '@lockstep/store';
import {
  candleOpenTime,
  candleUpdates,
  divideRounded,
  foldTrade,
  formatScaled,
  sumCandles,
  type CandleReader,
  type CandleTrade,
} from './market-data.ts';

const t0 = Date.UTC(2026, 0, 1);
const minute = 60_000;

function trade(at: number, price: number, quantity = 1, symbol = 'BTCUSDT'): CandleTrade {
  return { symbol, price, quantity, quoteQty: price * quantity, at };
}

/** A reader over an in-memory candle list that records each query. */
function memoryReader(stored: CandleRecord[]): { read: CandleReader; queries: string[] } {
  const queries: string[] = [];
  const read: CandleReader = (symbol, interval, q) => {
    queries.push(`${symbol} ${interval}`);
    return Promise.resolve(
      stored.filter(
        (c) =>
          c.symbol === symbol &&
          c.interval === interval &&
          c.openTime >= q.startTime &&
          c.openTime <= q.endTime,
      ),
    );
  };
  return { read, queries };
}

describe('candle open times', () => {
  it('align to UTC interval starts, the boundary millisecond opening the next candle', () => {
    expect(candleOpenTime(t0, '1m')).toBe(t0);
    expect(candleOpenTime(t0 - 1, '1m')).toBe(t0 - minute);
    expect(candleOpenTime(t0 + minute - 1, '1m')).toBe(t0);
    expect(candleOpenTime(t0 + 14 * minute, '5m')).toBe(t0 + 10 * minute);
    expect(candleOpenTime(t0 + 15 * minute, '15m')).toBe(t0 + 15 * minute);
    expect(candleOpenTime(Date.UTC(2026, 0, 1, 3, 59, 59, 999), '4h')).toBe(t0);
    expect(candleOpenTime(Date.UTC(2026, 0, 1, 4), '4h')).toBe(Date.UTC(2026, 0, 1, 4));
    expect(candleOpenTime(Date.UTC(2026, 0, 1, 23, 59), '1h')).toBe(Date.UTC(2026, 0, 1, 23));
    expect(candleOpenTime(Date.UTC(2026, 0, 1, 23, 59, 59, 999), '1d')).toBe(t0);
    expect(candleOpenTime(Date.UTC(2026, 0, 2), '1d')).toBe(Date.UTC(2026, 0, 2));
  });
});

describe('candle aggregation', () => {
  it('opens a candle at the first trade and folds later ones into high, low, close and sums', () => {
    let candle = foldTrade(undefined, trade(t0 + 5, 100, 2), '1m');
    candle = foldTrade(candle, trade(t0 + 6, 130, 1), '1m');
    candle = foldTrade(candle, trade(t0 + 7, 90, 3), '1m');
    candle = foldTrade(candle, trade(t0 + 8, 110, 4), '1m');
    expect(candle).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: t0,
      open: 100,
      high: 130,
      low: 90,
      close: 110,
      volume: 10,
      quoteVolume: 200 + 130 + 270 + 440,
      tradeCount: 4,
    });
  });

  it('merges with the stored candle, reading once per (symbol, interval), across a minute boundary', async () => {
    const stored: CandleRecord = {
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: t0,
      open: 50,
      high: 60,
      low: 40,
      close: 55,
      volume: 7,
      quoteVolume: 350,
      tradeCount: 2,
    };
    const { read, queries } = memoryReader([stored]);
    const trades = [trade(t0 + minute - 1, 70), trade(t0 + minute, 30), trade(t0 + minute + 1, 35)];
    const candles = await candleUpdates(trades, read);
    expect(queries).toEqual(['1m', '5m', '15m', '1h', '4h', '1d'].map((i) => `BTCUSDT ${i}`));
    const oneMinute = candles.filter((c) => c.interval === '1m');
    expect(oneMinute).toEqual([
      { ...stored, high: 70, close: 70, volume: 8, quoteVolume: 420, tradeCount: 3 },
      {
        ...stored,
        openTime: t0 + minute,
        open: 30,
        high: 35,
        low: 30,
        close: 35,
        volume: 2,
        quoteVolume: 65,
        tradeCount: 2,
      },
    ]);
    // The 5m candle has no stored row: it is new and holds all three trades.
    expect(candles.filter((c) => c.interval === '5m')).toEqual([
      expect.objectContaining({ openTime: t0, open: 70, high: 70, low: 30, close: 35, tradeCount: 3 }),
    ]);
    expect(candles).toHaveLength(2 + 5);
  });

  it('returns only the touched candles, not stored ones between them', async () => {
    const between: CandleRecord = {
      symbol: 'ETHUSDT',
      interval: '1m',
      openTime: t0 + minute,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
      quoteVolume: 1,
      tradeCount: 1,
    };
    const { read } = memoryReader([between]);
    const candles = await candleUpdates(
      [trade(t0, 10, 1, 'ETHUSDT'), trade(t0 + 2 * minute, 20, 1, 'ETHUSDT')],
      read,
    );
    expect(candles.filter((c) => c.interval === '1m').map((c) => c.openTime)).toEqual([t0, t0 + 2 * minute]);
  });
});

describe('ticker arithmetic', () => {
  const candle = (open: number, high: number, low: number, close: number, volume: number) => ({
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: 0,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume: volume * close,
    tradeCount: 2,
  });

  it('sums candles: first open, last close, extreme high and low, exact BigInt volumes', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const stats = sumCandles([
      { ...candle(100, 120, 95, 110, 1), quoteVolume: big },
      { ...candle(110, 130, 80, 90, 2), quoteVolume: big },
    ]);
    expect(stats).toEqual({
      open: 100,
      high: 130,
      low: 80,
      last: 90,
      volume: 3n,
      quoteVolume: 2n * BigInt(big),
      count: 4,
    });
    expect(formatScaled(stats.quoteVolume, 8)).toBe('180143985.09481982');
  });

  it('gives zeros for an empty window', () => {
    expect(sumCandles([])).toEqual({
      open: 0,
      high: 0,
      low: 0,
      last: 0,
      volume: 0n,
      quoteVolume: 0n,
      count: 0,
    });
    expect(divideRounded(5n, 0n, 3)).toBe('0.000');
  });

  it('divides exactly, rounding half away from zero', () => {
    expect(divideRounded(100n, 3n, 3)).toBe('33.333');
    expect(divideRounded(200n, 3n, 3)).toBe('66.667');
    expect(divideRounded(-200n, 3n, 3)).toBe('-66.667');
    expect(divideRounded(1n, 8n, 2)).toBe('0.13');
    expect(divideRounded(-1n, 8n, 2)).toBe('-0.13');
    expect(divideRounded(1n, 1000n, 2)).toBe('0.00');
    expect(divideRounded(100n * (5_000_001n - 5_000_000n), 5_000_000n, 3)).toBe('0.000');
    expect(divideRounded(100n * 2_500n, 5_000_000n, 3)).toBe('0.050');
  });

  it('formats scaled integers with every decimal, negatives included', () => {
    expect(formatScaled(0n, 2)).toBe('0.00');
    expect(formatScaled(-5n, 3)).toBe('-0.005');
    expect(formatScaled(123_456n, 0)).toBe('123456');
  });
});
