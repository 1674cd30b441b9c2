import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountEvent, OrderView } from '@lockstep/protocol';
import {
  backends,
  loginDevice,
  ManualClock,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';
import { codeOf, fund, fundedPair } from '../support/trading.ts';

/** Bob's 0.5 BTC resting at 50,000, and Alice's IOC buy of 0.2 that crosses it. */
const restingSell = {
  symbol: 'BTCUSDT',
  side: 'SELL',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.5',
  price: '50000.00',
} as const;
const crossingBuy = {
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'IOC',
  quantity: '0.2',
  price: '50001.00',
} as const;

describe.each(backends)('trading through the API (%s)', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ backend });
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('matches a cross, settles both balances with fees, and streams every change to the account', async () => {
    const { alice, bob } = await fundedPair(server);
    const live = alice.connect();
    const seen: AccountEvent[] = [];
    live.on('event', (e) => seen.push(e));
    await live.next('hello');

    const resting = await bob.placeOrder(restingSell);
    expect(resting.order).toMatchObject({ status: 'NEW', origQty: '0.50000', price: '50000.00' });
    const traded = live.next('event', (e) => e.type === 'trade.executed');
    const taker = await alice.placeOrder(crossingBuy);
    expect(taker.order).toMatchObject({
      status: 'FILLED',
      executedQty: '0.20000',
      cummulativeQuoteQty: '10000.00000000',
    });
    expect(taker.fills).toEqual([
      expect.objectContaining({
        price: '50000.00',
        qty: '0.20000',
        commission: '0.00020000',
        commissionAsset: 'BTC',
        isMaker: false,
      }),
    ]);
    await traded;

    const aliceBalances = Object.fromEntries((await alice.balances()).balances.map((b) => [b.asset, b]));
    expect(aliceBalances.USDT).toMatchObject({ free: '90000.00000000', locked: '0.00000000' });
    expect(aliceBalances.BTC).toMatchObject({ free: '0.19980000', locked: '0.00000000' });
    const bobBalances = Object.fromEntries((await bob.balances()).balances.map((b) => [b.asset, b]));
    expect(bobBalances.BTC).toMatchObject({ free: '1.50000000', locked: '0.30000000' });
    expect(bobBalances.USDT).toMatchObject({ free: '9990.00000000' });
    expect((await bob.openOrders('BTCUSDT')).orders).toEqual([
      expect.objectContaining({ status: 'PARTIALLY_FILLED', executedQty: '0.20000' }),
    ]);

    const types = seen.map((e) => e.type);
    expect(types).toContain('order.updated');
    expect(types).toContain('balance.updated');
    expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));
    expect(server.trading.host.reader.audit().ok).toBe(true);
    live.close();
  });

  it('survives a restart with every acknowledged order, balance and the same engine state', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    await fund(server, alice, 'USDT', 10_000 * 1e8);
    const placed = await Promise.all(
      [49_000, 48_000, 47_000].map((price) =>
        alice.placeOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'LIMIT',
          timeInForce: 'GTC',
          quantity: '0.01',
          price: `${price}.00`,
        }),
      ),
    );
    await alice.cancelOrder('BTCUSDT', placed[1]!.order.orderId);
    const hash = server.trading.host.reader.stateHash();
    const balances = await alice.balances();
    server = await server.restart();
    expect(server.trading.host.reader.stateHash()).toBe(hash);
    expect(server.trading.host.reader.audit().ok).toBe(true);
    expect(await alice.balances()).toEqual(balances);
    expect((await alice.openOrders()).orders.map((o) => o.price)).toEqual(['49000.00', '47000.00']);
  });

  it('refuses bad orders with a stable code naming the field', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    await fund(server, alice, 'USDT', 100 * 1e8);
    const base = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '50000.00',
    } as const;
    expect(await codeOf(alice.placeOrder({ ...base, price: '50000.001' }))).toBe('400 PRICE_FILTER price');
    expect(await codeOf(alice.placeOrder({ ...base, quantity: '0.000001' }))).toBe('400 LOT_SIZE quantity');
    expect(await codeOf(alice.placeOrder({ ...base, symbol: 'DOGEUSDT' }))).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(await codeOf(alice.placeOrder({ ...base, price: '-1' }))).toBe('400 VALIDATION_FAILED price');
    expect(await codeOf(alice.placeOrder({ ...base, quantity: '0.01' }))).toBe('400 INSUFFICIENT_BALANCE');
    expect(await codeOf(alice.placeOrder({ ...base, quantity: '0.00001', price: '1.00' }))).toBe(
      '400 MIN_NOTIONAL',
    );
    expect(await codeOf(alice.cancelOrder('BTCUSDT', 999_999))).toBe('404 UNKNOWN_ORDER orderId');
    expect(server.trading.host.reader.audit().ok).toBe(true);
  });

  it('one-click close cancels the open orders and sells the whole holding at market (C6)', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    const bob = await loginDevice(server, await registerAccount(server), 'web');
    await fund(server, alice, 'BTC', 1e8);
    await fund(server, bob, 'USDT', 100_000 * 1e8);
    await bob.placeOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '2',
      price: '49000.00',
    });
    const resting = await alice.placeOrder({
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.4',
      price: '60000.00',
    });
    const closed = await alice.closePosition('BTCUSDT');
    expect(closed.orders.find((o) => o.orderId === resting.order.orderId)?.status).toBe('CANCELED');
    expect(closed.orders.find((o) => o.type === 'MARKET')).toMatchObject({
      side: 'SELL',
      status: 'FILLED',
      executedQty: '1.00000',
    });
    expect(closed.fills.map((f) => f.price)).toEqual(['49000.00']);
    const btc = (await alice.balances()).balances.find((b) => b.asset === 'BTC');
    expect(btc).toMatchObject({ free: '0.00000000', locked: '0.00000000' });
    expect(await codeOf(alice.closePosition('BTCUSDT'))).toBe('400 NOTHING_TO_CLOSE symbol');
    expect(server.trading.host.reader.audit().ok).toBe(true);
  });

  it('lists order and trade history newest first, with filters and paging (C4)', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    const bob = await loginDevice(server, await registerAccount(server), 'web');
    await fund(server, alice, 'USDT', 100_000 * 1e8);
    await fund(server, bob, 'BTC', 1e8);
    const ids: number[] = [];
    for (const price of ['40000.00', '41000.00', '42000.00']) {
      ids.push(
        (
          await alice.placeOrder({
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'LIMIT',
            timeInForce: 'GTC',
            quantity: '0.01',
            price,
          })
        ).order.orderId,
      );
    }
    await alice.cancelOrder('BTCUSDT', ids[0]!);
    await bob.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01' });

    const all = (await alice.orders({ symbol: 'BTCUSDT' })).orders;
    expect(all.map((o) => o.orderId)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all.map((o) => o.status)).toEqual(['FILLED', 'NEW', 'CANCELED']);
    expect((await alice.orders({ status: 'CANCELED' })).orders.map((o) => o.orderId)).toEqual([ids[0]]);
    expect((await alice.orders({ limit: 1, beforeId: ids[2] })).orders.map((o) => o.orderId)).toEqual([
      ids[1],
    ]);
    const trades = (await alice.myTrades({ symbol: 'BTCUSDT' })).trades;
    expect(trades).toEqual([
      expect.objectContaining({
        orderId: ids[2],
        side: 'BUY',
        price: '42000.00',
        qty: '0.01000',
        isMaker: true,
      }),
    ]);
    expect((await bob.myTrades()).trades.map((t) => t.side)).toEqual(['SELL']);

    // A second fill, of the order at 41,000: one order's fills, and paging forward by trade id.
    await bob.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01' });
    const fillsOf = async (orderId: number) =>
      (await alice.myTrades({ symbol: 'BTCUSDT', orderId })).trades.map((t) => [t.orderId, t.price]);
    expect(await fillsOf(ids[1]!)).toEqual([[ids[1], '41000.00']]);
    expect(await fillsOf(ids[2]!)).toEqual([[ids[2], '42000.00']]);
    expect(await fillsOf(ids[0]!)).toEqual([]); // cancelled unfilled
    const bobs = (await bob.myTrades({ symbol: 'BTCUSDT' })).trades;
    expect(await fillsOf(bobs[0]!.orderId)).toEqual([]); // bob's order, not alice's
    const [first] = (await alice.myTrades({ symbol: 'BTCUSDT', fromId: 0, limit: 1 })).trades;
    expect(first).toMatchObject({ orderId: ids[2] });
    const next = (await alice.myTrades({ symbol: 'BTCUSDT', fromId: first!.tradeId + 1 })).trades;
    expect(next.map((t) => t.orderId)).toEqual([ids[1]]);
    // A self-trade is two fills of the account, one per order; one order's fills are its own only.
    const limit = { symbol: 'BTCUSDT', type: 'LIMIT', quantity: '0.005', price: '43000.00' } as const;
    const sell = await alice.placeOrder({ ...limit, side: 'SELL', timeInForce: 'GTC' });
    const buy = await alice.placeOrder({ ...limit, side: 'BUY', timeInForce: 'IOC' });
    expect(buy.fills.map((f) => [f.orderId, f.side])).toEqual([[buy.order.orderId, 'BUY']]);
    // Without orderId the self-trade shows as two fills, one per side (Binance does the same); a
    // page counts trades, so it never splits one: a page of 1 holds both.
    const selfTrade = (await alice.myTrades({ symbol: 'BTCUSDT', limit: 1 })).trades;
    expect(selfTrade.map((t) => [t.orderId, t.side]).sort()).toEqual(
      [
        [buy.order.orderId, 'BUY'],
        [sell.order.orderId, 'SELL'],
      ].sort(),
    );
    expect(selfTrade[0]!.tradeId).toBe(selfTrade[1]!.tradeId);
    expect(await fillsOf(sell.order.orderId)).toEqual([[sell.order.orderId, '43000.00']]);
    expect(await fillsOf(buy.order.orderId)).toEqual([[buy.order.orderId, '43000.00']]);
    for (const field of ['orderId', 'fromId']) {
      expect(await codeOf(alice.request('GET', `/v1/my-trades?${field}=1`))).toBe(
        `400 VALIDATION_FAILED querystring.${field}`,
      );
    }
    expect(await codeOf(alice.request('GET', '/v1/my-trades?symbol=BTCUSDT&orderId=0'))).toBe(
      '400 VALIDATION_FAILED querystring.orderId',
    );
    expect(await codeOf(alice.orders({ symbol: 'NOPE' }))).toBe('400 UNKNOWN_SYMBOL symbol');
    // 1e309 coerces to Infinity, which schema range checks let through; it must still be a 400.
    for (const path of [
      '/v1/orders?limit=1e309',
      '/v1/my-trades?limit=-1e309',
      '/v1/login-history?limit=1e309',
    ]) {
      expect(await codeOf(alice.request('GET', path))).toBe('400 VALIDATION_FAILED querystring.limit');
    }
  });

  it('returns the same order for a retried client order id, never a second one', async () => {
    const alice = await loginDevice(server, await registerAccount(server), 'desktop');
    await fund(server, alice, 'USDT', 1_000 * 1e8);
    const body = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '40000.00',
      clientOrderId: 'retry-1',
    } as const;
    const [first, second] = await Promise.all([alice.placeOrder(body), alice.placeOrder(body)]);
    expect(second.order.orderId).toBe(first.order.orderId);
    expect((await alice.openOrders()).orders).toHaveLength(1);

    // A bot that lost the answer asks for the order by the id it chose, and cancels by it.
    expect(await alice.getOrderByClientId('BTCUSDT', 'retry-1')).toEqual({ order: first.order });
    const canceled = await alice.cancelOrderByClientId('BTCUSDT', 'retry-1');
    expect(canceled.order).toMatchObject({ orderId: first.order.orderId, status: 'CANCELED' });
    expect(await alice.getOrderByClientId('BTCUSDT', 'retry-1')).toEqual(canceled);
    expect(await codeOf(alice.cancelOrderByClientId('BTCUSDT', 'retry-1'))).toBe(
      '404 UNKNOWN_ORDER clientOrderId',
    );
    // Closed, the id is free again: a new order with it is the one found, and the old one by its id.
    const again = await alice.placeOrder(body);
    expect(again.order.orderId).not.toBe(first.order.orderId);
    expect((await alice.getOrderByClientId('BTCUSDT', 'retry-1')).order.orderId).toBe(again.order.orderId);
    expect((await alice.getOrder('BTCUSDT', first.order.orderId)).order.status).toBe('CANCELED');
    expect(await codeOf(alice.getOrderByClientId('ETHUSDT', 'retry-1'))).toBe(
      '404 UNKNOWN_ORDER clientOrderId',
    );
    expect(await codeOf(alice.getOrderByClientId('BTCUSDT', 'never-used'))).toBe(
      '404 UNKNOWN_ORDER clientOrderId',
    );
    expect(await codeOf(alice.request('GET', '/v1/orders/BTCUSDT/client/no%20spaces'))).toBe(
      '400 VALIDATION_FAILED params.clientOrderId',
    );
  });
  it('never stamps a trade earlier than the one before it, when the clock goes back and across a restart', async () => {
    await server.dispose();
    const clock = new ManualClock();
    const start = clock.ms;
    server = await startTestServer({ backend, now: clock.now });
    const { alice, bob } = await fundedPair(server);
    const buy = { ...crossingBuy, quantity: '0.1' } as const;
    await bob.placeOrder(restingSell);
    clock.advance(60_000);
    await alice.placeOrder(buy);
    // An NTP step back a minute: the next batch keeps the last batch's time.
    clock.ms = start;
    const late = await alice.placeOrder(buy);
    expect(late.order.updateTime).toBe(new Date(start + 60_000).toISOString());
    // A restart reads the last batch's time from the journal, so the clock's minute back still
    // does not show.
    server = await server.restart();
    await alice.placeOrder(buy);
    clock.advance(90_000);
    await alice.placeOrder(buy);
    const { trades } = await alice.myTrades({});
    expect(trades.map((t) => t.time)).toEqual([
      new Date(start + 90_000).toISOString(),
      new Date(start + 60_000).toISOString(),
      new Date(start + 60_000).toISOString(),
      new Date(start + 60_000).toISOString(),
    ]);
    expect(trades.map((t) => t.tradeId)).toEqual([4, 3, 2, 1]);
    // Order history by the time orders were placed: three at start + 60 s, the last at start + 90 s
    // (IOC orders, so their last update is their placement).
    const placed = async (query: { startTime?: number; endTime?: number }) =>
      (await alice.orders(query)).orders.map((o) => o.updateTime);
    expect(await placed({ startTime: start + 90_000 })).toEqual([new Date(start + 90_000).toISOString()]);
    expect(await placed({ endTime: start + 60_000 })).toHaveLength(3);
    expect(await placed({ startTime: start + 60_001, endTime: start + 89_999 })).toEqual([]);
    expect(await placed({ startTime: start + 60_000, endTime: start + 90_000 })).toHaveLength(4);
    expect(await codeOf(alice.request('GET', '/v1/orders?startTime=soon'))).toBe(
      '400 VALIDATION_FAILED querystring.startTime',
    );
  });

  it('answers each order and fill with the times history and the stream show, however the clock moved', async () => {
    // A clock that moves 7 ms on every reading: the request is read before its batch runs.
    await server.dispose();
    let ms = Date.UTC(2026, 0, 1);
    server = await startTestServer({ backend, now: () => (ms += 7) });
    const { alice, bob } = await fundedPair(server);
    const live = bob.connect();
    const orderEvents: AccountEvent[] = [];
    live.on('event', (e) => {
      if (e.type === 'order.updated') orderEvents.push(e);
    });
    await live.next('hello');
    // The stream's event for the order in the answer's status: the answer and the event may
    // arrive in either order.
    const streamed = async (answer: OrderView): Promise<unknown> => {
      const find = () =>
        orderEvents
          .map((e) => (e.data as { order: OrderView }).order)
          .find((o) => o.orderId === answer.orderId && o.status === answer.status);
      while (!find()) await live.next('event');
      return { order: find() };
    };

    const resting = await bob.placeOrder(restingSell);
    expect(resting.order).toEqual((await bob.getOrder('BTCUSDT', resting.order.orderId)).order);
    expect({ order: resting.order }).toEqual(await streamed(resting.order));

    const taker = await alice.placeOrder(crossingBuy);
    expect(taker.order).toEqual((await alice.getOrder('BTCUSDT', taker.order.orderId)).order);
    expect(taker.fills).toEqual((await alice.myTrades({ symbol: 'BTCUSDT' })).trades);

    const canceled = await bob.cancelOrder('BTCUSDT', resting.order.orderId);
    expect(canceled.order).toEqual((await bob.getOrder('BTCUSDT', resting.order.orderId)).order);
    expect({ order: canceled.order }).toEqual(await streamed(canceled.order));
    live.close();
  });

  it('shows when an order was placed in every later state of it, across a restart', async () => {
    await server.dispose();
    const clock = new ManualClock();
    const placedAt = new Date(clock.ms).toISOString();
    server = await startTestServer({ backend, now: clock.now });
    const { alice, bob } = await fundedPair(server);
    const resting = await bob.placeOrder(restingSell);
    expect(resting.order).toMatchObject({ status: 'NEW', time: placedAt, updateTime: placedAt });

    // The server learns the open order's placement time back from the store.
    clock.advance(60_000);
    server = await server.restart();
    await alice.placeOrder(crossingBuy);
    const filledAt = new Date(clock.ms).toISOString();
    const partly = (await bob.getOrder('BTCUSDT', resting.order.orderId)).order;
    expect(partly).toMatchObject({ status: 'PARTIALLY_FILLED', time: placedAt, updateTime: filledAt });
    expect((await bob.snapshot()).openOrders).toEqual([partly]);
    const live = bob.connect();
    const orderEvents: AccountEvent[] = [];
    live.on('event', (e) => {
      if (e.type === 'order.updated') orderEvents.push(e);
    });
    await live.next('hello');

    clock.advance(30_000);
    const canceled = await bob.cancelOrder('BTCUSDT', resting.order.orderId);
    const canceledAt = new Date(clock.ms).toISOString();
    expect(canceled.order).toMatchObject({ status: 'CANCELED', time: placedAt, updateTime: canceledAt });
    while (orderEvents.length === 0) await live.next('event');
    expect(orderEvents.map((e) => e.data)).toEqual([{ order: canceled.order }]);
    expect((await bob.orders({ symbol: 'BTCUSDT' })).orders).toEqual([canceled.order]);
    // Filtered by placement time: the order is in the minute it was placed, not in the one it was cancelled.
    expect((await bob.orders({ endTime: Date.parse(placedAt) })).orders).toHaveLength(1);
    expect(await bob.orders({ startTime: Date.parse(filledAt) })).toEqual({ orders: [] });
    live.close();
  });
});
