import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, backends, clientFor, startTestServer, type TestServer } from '../support/server.ts';
import { codeOf, fundedPair } from '../support/trading.ts';

const minute = 60_000;
const t0 = Date.UTC(2026, 0, 1);

describe.each(backends)('public market data (%s)', (backend) => {
  let server: TestServer;
  let clock: ManualClock;
  beforeEach(async () => {
    // Half a minute into the first minute of 2026, so the trades' candles are known exactly.
    clock = new ManualClock(t0 + 30_000);
    server = await startTestServer({ backend, now: clock.now });
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('lists every market with its filters and fee rates as decimal strings', async () => {
    const { markets } = await clientFor(server).markets();
    expect(markets.map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'ETHBTC']);
    expect(markets[0]).toEqual({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      tickSize: '0.01',
      stepSize: '0.00001',
      minPrice: '0.01',
      maxPrice: '1000000.00',
      minQty: '0.00001',
      maxQty: '90.00000',
      minNotional: '5.00000000',
      makerFeeRate: '0.001000',
      takerFeeRate: '0.001000',
    });
  });

  it('serves depth, trades, klines and a 24h ticker equal to the trades, and keeps them over a restart', async () => {
    const { alice, bob } = await fundedPair(server);
    const anonymous = clientFor(server);
    const order = { symbol: 'BTCUSDT', type: 'LIMIT', timeInForce: 'GTC' } as const;

    await bob.placeOrder({ ...order, side: 'SELL', quantity: '0.5', price: '50000.00' });
    await bob.placeOrder({ ...order, side: 'SELL', quantity: '0.3', price: '50100.00' });
    await alice.placeOrder({ ...order, side: 'BUY', quantity: '0.1', price: '49000.00' });
    const before = await anonymous.depth('BTCUSDT');
    expect(before).toMatchObject({
      bids: [['49000.00', '0.10000']],
      asks: [
        ['50000.00', '0.50000'],
        ['50100.00', '0.30000'],
      ],
    });

    // Minute one: one trade of 0.2 at 50000.
    await alice.placeOrder({ ...order, side: 'BUY', timeInForce: 'IOC', quantity: '0.2', price: '50001.00' });
    const after = await anonymous.depth('BTCUSDT', 1);
    expect(after.lastUpdateId).toBeGreaterThan(before.lastUpdateId);
    expect(after).toMatchObject({ bids: [['49000.00', '0.10000']], asks: [['50000.00', '0.30000']] });

    // Minute two: 0.3 at 50000 and 0.1 at 50100.
    clock.advance(minute);
    await alice.placeOrder({ ...order, side: 'BUY', timeInForce: 'IOC', quantity: '0.4', price: '50100.00' });

    const { trades } = await anonymous.recentTrades('BTCUSDT');
    expect(trades.map(({ id: _id, ...rest }) => rest)).toEqual([
      {
        price: '50000.00',
        qty: '0.20000',
        quoteQty: '10000.00000000',
        time: t0 + 30_000,
        isBuyerMaker: false,
      },
      {
        price: '50000.00',
        qty: '0.30000',
        quoteQty: '15000.00000000',
        time: t0 + 90_000,
        isBuyerMaker: false,
      },
      {
        price: '50100.00',
        qty: '0.10000',
        quoteQty: '5010.00000000',
        time: t0 + 90_000,
        isBuyerMaker: false,
      },
    ]);
    expect((await anonymous.recentTrades('BTCUSDT', 1)).trades.map((t) => t.price)).toEqual(['50100.00']);

    const oneMinute = await anonymous.klines('BTCUSDT', { interval: '1m' });
    expect(oneMinute.klines).toEqual([
      {
        openTime: t0,
        open: '50000.00',
        high: '50000.00',
        low: '50000.00',
        close: '50000.00',
        volume: '0.20000',
        closeTime: t0 + minute - 1,
        quoteVolume: '10000.00000000',
        count: 1,
      },
      {
        openTime: t0 + minute,
        open: '50000.00',
        high: '50100.00',
        low: '50000.00',
        close: '50100.00',
        volume: '0.40000',
        closeTime: t0 + 2 * minute - 1,
        quoteVolume: '20010.00000000',
        count: 2,
      },
    ]);
    const whole = {
      open: '50000.00',
      high: '50100.00',
      low: '50000.00',
      close: '50100.00',
      volume: '0.60000',
      quoteVolume: '30010.00000000',
      count: 3,
    };
    for (const interval of ['5m', '15m', '1h', '4h', '1d'] as const) {
      expect((await anonymous.klines('BTCUSDT', { interval })).klines).toEqual([
        expect.objectContaining({ openTime: t0, ...whole }),
      ]);
    }
    const paged = await anonymous.klines('BTCUSDT', { interval: '1m', startTime: t0 + 1, limit: 5 });
    expect(paged.klines.map((k) => k.openTime)).toEqual([t0 + minute]);
    const last = await anonymous.klines('BTCUSDT', { interval: '1m', limit: 1 });
    expect(last.klines.map((k) => k.openTime)).toEqual([t0 + minute]);

    const expectedTicker = {
      symbol: 'BTCUSDT',
      priceChange: '100.00',
      priceChangePercent: '0.200',
      // 30010 / 0.6 = 50016.666…, rounded to the quote asset's 8 decimals.
      weightedAvgPrice: '50016.66666667',
      openPrice: '50000.00',
      highPrice: '50100.00',
      lowPrice: '50000.00',
      lastPrice: '50100.00',
      volume: '0.60000',
      quoteVolume: '30010.00000000',
      count: 3,
      openTime: t0 + minute - 1_439 * minute,
      closeTime: t0 + 90_000,
    };
    expect(await anonymous.ticker('BTCUSDT')).toEqual(expectedTicker);
    const { tickers } = await anonymous.tickers();
    expect(tickers.map((t) => t.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'ETHBTC']);
    expect(tickers[0]).toEqual(expectedTicker);
    expect(tickers[1]).toMatchObject({ count: 0, volume: '0.0000', lastPrice: '0.00' });

    // Candles live in the store: a restart keeps them, and the ticker with them.
    const klinesBefore = await anonymous.klines('BTCUSDT', { interval: '1m' });
    server = await server.restart();
    expect(await anonymous.klines('BTCUSDT', { interval: '1m' })).toEqual(klinesBefore);
    expect(await anonymous.ticker('BTCUSDT')).toEqual(expectedTicker);

    // A trade after the restart merges into the stored candle of its minute.
    await alice.placeOrder({ ...order, side: 'BUY', timeInForce: 'IOC', quantity: '0.1', price: '50100.00' });
    const merged = await anonymous.klines('BTCUSDT', { interval: '1m', limit: 1 });
    expect(merged.klines[0]).toMatchObject({ openTime: t0 + minute, volume: '0.50000', count: 3 });

    // The window rolls: 24 hours after the first minute, only the second minute's trades count.
    clock.ms = t0 + 24 * 60 * minute + 30_000;
    expect(await anonymous.ticker('BTCUSDT')).toMatchObject({
      openPrice: '50000.00',
      volume: '0.50000',
      quoteVolume: '25020.00000000',
      count: 3,
    });
    clock.advance(minute);
    expect(await anonymous.ticker('BTCUSDT')).toMatchObject({ count: 0, priceChangePercent: '0.000' });
  });

  it('counts the newest trades in the 24h ticker while the clock is held after a step back', async () => {
    const { alice, bob } = await fundedPair(server);
    const order = { symbol: 'BTCUSDT', type: 'LIMIT', quantity: '0.1', price: '50000.00' } as const;
    await bob.placeOrder({ ...order, side: 'SELL', timeInForce: 'GTC' });
    clock.advance(2 * minute);
    await alice.placeOrder({ ...order, side: 'BUY', timeInForce: 'IOC' });
    // An NTP step back of two minutes: trades keep the later time, and so does the ticker's window.
    clock.ms = t0;
    expect(await clientFor(server).ticker('BTCUSDT')).toMatchObject({
      count: 1,
      volume: '0.10000',
      lastPrice: '50000.00',
      closeTime: t0 + 30_000 + 2 * minute,
    });
  });

  it('refuses unknown symbols and bad parameters with stable codes', async () => {
    const client = clientFor(server);
    expect(await codeOf(client.depth('DOGEUSDT'))).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(await codeOf(client.recentTrades('DOGEUSDT'))).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(await codeOf(client.ticker('DOGEUSDT'))).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(await codeOf(client.klines('DOGEUSDT', { interval: '1m' }))).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(await codeOf(client.request('GET', '/v1/markets/BTCUSDT/klines?interval=2m'))).toBe(
      '400 VALIDATION_FAILED querystring.interval',
    );
    expect(await codeOf(client.request('GET', '/v1/markets/BTCUSDT/klines'))).toBe(
      '400 VALIDATION_FAILED querystring.interval',
    );
    expect(await codeOf(client.depth('BTCUSDT', 5001))).toBe('400 VALIDATION_FAILED querystring.limit');
    expect(await codeOf(client.depth('BTCUSDT', 0))).toBe('400 VALIDATION_FAILED querystring.limit');
    expect(await codeOf(client.recentTrades('BTCUSDT', 1001))).toBe(
      '400 VALIDATION_FAILED querystring.limit',
    );
    expect(await codeOf(client.klines('BTCUSDT', { interval: '1m', limit: 1001 }))).toBe(
      '400 VALIDATION_FAILED querystring.limit',
    );
    expect(await codeOf(client.klines('BTCUSDT', { interval: '1m', startTime: -1 }))).toBe(
      '400 VALIDATION_FAILED querystring.startTime',
    );
    expect(await codeOf(client.depth('btc/usdt'))).toBe('400 VALIDATION_FAILED params.symbol');
    expect(await client.depth('BTCUSDT', 5000)).toEqual({ lastUpdateId: 0, bids: [], asks: [] });
  });
});
