import { beforeEach, describe, expect, it } from 'vitest';
import { placeOrder } from './commands.ts';
import type { Engine } from './engine.ts';
import { OrderType, Side } from './order-enums.ts';
import { BTC, BTCUSDT, eventsOf, fund, step, testEngine, USDT } from './testing/fixture.ts';

/**
 * Stop orders trigger on the last trade price (Binance): STOP_LOSS buys and TAKE_PROFIT sells fire
 * when the price rises to the stop, STOP_LOSS sells and TAKE_PROFIT buys when it falls to it.
 * Each test first trades at 100 so the last price is 100.
 */
const trader = 1;
const maker = 2;
const mover = 3;
const lotCost = 1_000_000;

describe('stop orders', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
    for (const account of [trader, maker, mover]) {
      fund(engine, account, USDT, 1_000_000 * lotCost);
      fund(engine, account, BTC, 1_000 * 1_000_000);
    }
    step(engine, placeOrder({ account: maker, market: BTCUSDT, side: Side.SELL, price: 100, quantity: 1 }));
    step(engine, placeOrder({ account: mover, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 1 }));
    expect(engine.market(BTCUSDT)!.lastPrice).toBe(100);
  });

  /** Trades 1 lot at `price` between maker and mover. */
  function tradeAt(price: number) {
    step(engine, placeOrder({ account: maker, market: BTCUSDT, side: Side.SELL, price, quantity: 1 }));
    return step(engine, placeOrder({ account: mover, market: BTCUSDT, side: Side.BUY, price, quantity: 1 }));
  }

  const cases = [
    { type: OrderType.STOP_LOSS, side: Side.BUY, stop: 105, miss: 104, hit: 105 },
    { type: OrderType.STOP_LOSS, side: Side.SELL, stop: 95, miss: 96, hit: 95 },
    { type: OrderType.TAKE_PROFIT, side: Side.SELL, stop: 105, miss: 104, hit: 106 },
    { type: OrderType.TAKE_PROFIT, side: Side.BUY, stop: 95, miss: 96, hit: 90 },
  ];
  for (const c of cases) {
    it(`${c.type === OrderType.STOP_LOSS ? 'STOP_LOSS' : 'TAKE_PROFIT'} ${c.side === Side.BUY ? 'BUY' : 'SELL'} waits, then trades at market`, () => {
      const placed = step(
        engine,
        placeOrder({
          account: trader,
          market: BTCUSDT,
          side: c.side,
          type: c.type,
          stopPrice: c.stop,
          quantity: 1,
        }),
      );
      expect(placed.result).toBe('OK');
      expect(eventsOf(placed, 'order')[0]).toMatchObject({ status: 'NEW', stopPrice: c.stop });
      const opposite = c.side === Side.BUY ? Side.SELL : Side.BUY;
      // Liquidity for the stop to hit once it fires, away from the prices used to move the market.
      step(
        engine,
        placeOrder({
          account: maker,
          market: BTCUSDT,
          side: opposite,
          price: c.side === Side.BUY ? 200 : 50,
          quantity: 5,
        }),
      );
      expect(eventsOf(tradeAt(c.miss), 'order').filter((o) => o.account === trader)).toEqual([]);
      const fired = eventsOf(tradeAt(c.hit), 'order').filter((o) => o.account === trader);
      expect(fired.at(-1)).toMatchObject({ status: 'FILLED', executed: 1 });
      expect(engine.audit().problems).toEqual([]);
    });
  }

  it('a fired STOP_LOSS_LIMIT rests at its limit price when it cannot fill', () => {
    step(
      engine,
      placeOrder({
        account: trader,
        market: BTCUSDT,
        side: Side.SELL,
        type: OrderType.STOP_LOSS_LIMIT,
        stopPrice: 95,
        price: 94,
        quantity: 2,
      }),
    );
    expect(engine.balance(trader, BTC).locked).toBe(2_000_000);
    const outcome = tradeAt(95);
    expect(
      eventsOf(outcome, 'order')
        .filter((o) => o.account === trader)
        .at(-1),
    ).toMatchObject({ status: 'NEW', type: 'STOP_LOSS_LIMIT' });
    expect(engine.depth(BTCUSDT, 1).asks).toEqual([[94, 2]]);
    expect(engine.audit().problems).toEqual([]);
  });

  it('a fired TAKE_PROFIT_LIMIT trades like a limit order', () => {
    step(engine, placeOrder({ account: maker, market: BTCUSDT, side: Side.SELL, price: 92, quantity: 3 }));
    const placed = step(
      engine,
      placeOrder({
        account: trader,
        market: BTCUSDT,
        side: Side.BUY,
        type: OrderType.TAKE_PROFIT_LIMIT,
        stopPrice: 95,
        price: 93,
        quantity: 2,
      }),
    );
    expect(placed.result).toBe('OK');
    expect(engine.balance(trader, USDT).locked).toBe(2 * 93 * lotCost);
    // A sell at 92 moves the last price down to 92 (the resting sell at 92 is hit by this buy).
    const outcome = step(
      engine,
      placeOrder({ account: mover, market: BTCUSDT, side: Side.BUY, price: 92, quantity: 1 }),
    );
    const mine = eventsOf(outcome, 'order').filter((o) => o.account === trader);
    expect(mine.at(-1)).toMatchObject({ status: 'FILLED', executed: 2, cumQuote: 2 * 92 * lotCost });
    expect(engine.balance(trader, USDT).locked).toBe(0);
  });

  it('rejects a stop that would trigger immediately', () => {
    const rises = placeOrder({
      account: trader,
      market: BTCUSDT,
      side: Side.BUY,
      type: OrderType.STOP_LOSS,
      stopPrice: 100,
      quantity: 1,
    });
    expect(step(engine, rises).result).toBe('WOULD_TRIGGER_IMMEDIATELY');
    const falls = placeOrder({
      account: trader,
      market: BTCUSDT,
      side: Side.SELL,
      type: OrderType.TAKE_PROFIT,
      stopPrice: 100,
      quantity: 1,
    });
    expect(step(engine, falls).result).toBe('WOULD_TRIGGER_IMMEDIATELY');
  });

  it('cancels a waiting stop and unlocks its funds', () => {
    step(
      engine,
      placeOrder({
        account: trader,
        market: BTCUSDT,
        side: Side.BUY,
        type: OrderType.STOP_LOSS,
        stopPrice: 110,
        quantity: 3,
      }),
    );
    expect(engine.balance(trader, USDT).locked).toBe(3 * 110 * lotCost);
    const outcome = step(engine, {
      kind: 'cancel',
      account: trader,
      market: BTCUSDT,
      orderId: engine.lastOrderId,
      clientOrderId: '',
    });
    expect(eventsOf(outcome, 'order')[0]).toMatchObject({ status: 'CANCELED' });
    expect(engine.balance(trader, USDT).locked).toBe(0);
    expect(eventsOf(tradeAt(115), 'order').filter((o) => o.account === trader)).toEqual([]);
  });

  it('a fired stop-market buy that cannot pay ends REJECTED with its reason', () => {
    const poor = 4;
    fund(engine, poor, USDT, 120 * lotCost);
    step(
      engine,
      placeOrder({
        account: poor,
        market: BTCUSDT,
        side: Side.BUY,
        type: OrderType.STOP_LOSS,
        stopPrice: 110,
        quantity: 1,
      }),
    );
    step(engine, placeOrder({ account: maker, market: BTCUSDT, side: Side.SELL, price: 500, quantity: 1 }));
    const outcome = tradeAt(110);
    const mine = eventsOf(outcome, 'order').filter((o) => o.account === poor);
    expect(mine.at(-1)).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_BALANCE' });
    expect(engine.balance(poor, USDT)).toEqual({ free: 120 * lotCost, locked: 0 });
  });

  it('survives export and import while waiting', () => {
    step(
      engine,
      placeOrder({
        account: trader,
        market: BTCUSDT,
        side: Side.SELL,
        type: OrderType.STOP_LOSS,
        stopPrice: 95,
        quantity: 1,
      }),
    );
    const restored = (engine.constructor as typeof import('./engine.ts').Engine).fromSnapshot(
      engine.exportState(),
    );
    expect(restored.stateHash()).toBe(engine.stateHash());
    expect(restored.openOrders(trader)).toEqual(engine.openOrders(trader));
  });
});
