import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DepthDiffMessage, TradeMessage } from '@lockstep/protocol';
import {
  clientFor,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';
import { fund } from '../support/trading.ts';

type Book = Map<string, string>;

function apply(book: Book, levels: Array<[string, string]>): void {
  for (const [price, quantity] of levels) {
    if (Number(quantity) === 0) book.delete(price);
    else book.set(price, quantity);
  }
}

describe('public market data on /v1/ws (B5)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ wsAuthTimeoutMs: 200 });
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('keeps a local order book exactly in step with the engine, Binance-style (snapshot + U/u diffs)', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    const bob = await loginDevice(server, await registerAccount(server), 'web');
    await fund(server, alice, 'USDT', 1_000_000 * 1e8);
    await fund(server, bob, 'BTC', 50 * 1e8);

    // An anonymous viewer: no login, just the public stream.
    const viewer = clientFor(server).connect();
    await viewer.opened;
    const diffs: DepthDiffMessage[] = [];
    const trades: TradeMessage[] = [];
    viewer.on('depth', (d) => diffs.push(d));
    viewer.on('trade', (t) => trades.push(t));
    viewer.subscribeMarkets(['BTCUSDT']);
    await viewer.next('market.subscribed');

    await bob.placeOrder({
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '1',
      price: '50100.00',
    });
    const snapshot = await clientFor(server).depth('BTCUSDT', 1000);
    for (let i = 0; i < 12; i += 1) {
      const price = (49_900 + i * 20).toFixed(2);
      await alice.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '0.1',
        price,
      });
      await bob.placeOrder({
        symbol: 'BTCUSDT',
        side: 'SELL',
        type: 'LIMIT',
        timeInForce: 'IOC',
        quantity: '0.05',
        price: '49900.00',
      });
    }
    const final = await clientFor(server).depth('BTCUSDT', 1000);
    // The diffs left the server before the last answer did; wait until they have all been read.
    while ((diffs.at(-1)?.u ?? 0) < final.lastUpdateId) await viewer.next('depth');

    const bids: Book = new Map(snapshot.bids);
    const asks: Book = new Map(snapshot.asks);
    let last = snapshot.lastUpdateId;
    for (const diff of diffs.filter((d) => d.u > snapshot.lastUpdateId)) {
      expect(diff.U).toBe(last + 1);
      apply(bids, diff.bids);
      apply(asks, diff.asks);
      last = diff.u;
    }
    expect(last).toBe(final.lastUpdateId);
    expect([...bids.entries()].sort()).toEqual([...final.bids].sort());
    expect([...asks.entries()].sort()).toEqual([...final.asks].sort());
    expect(trades.length).toBeGreaterThanOrEqual(12);
    expect(trades.every((t) => t.symbol === 'BTCUSDT')).toBe(true);
    // Bob's IOC sells hit Alice's resting bids (buyer is maker); Alice's highest bids lifted Bob's ask.
    expect(new Set(trades.map((t) => t.isBuyerMaker))).toEqual(new Set([true, false]));
    viewer.close();
  });

  it('refuses unknown symbols and still closes sockets that neither log in nor follow a market', async () => {
    const viewer = clientFor(server).connect();
    await viewer.opened;
    viewer.subscribeMarkets(['NOPE']);
    expect((await viewer.next('error')).code).toBe('UNKNOWN_SYMBOL');
    expect((await viewer.next('close')).code).toBe(4401);
  });
});
