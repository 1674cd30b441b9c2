import { beforeEach, describe, expect, it } from 'vitest';
import { cancelOrder, placeOrder } from './commands.ts';
import type { Engine } from './engine.ts';
import { OrderType, Side } from './order-enums.ts';
import { BTC, BTCUSDT, ETHBTC, eventsOf, fund, step, testEngine, USDT } from './testing/fixture.ts';

describe('cancelling orders', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
    fund(engine, 1, USDT, 1_000_000_000_000);
    fund(engine, 1, BTC, 1_000_000_000);
    fund(engine, 2, USDT, 1_000_000_000_000);
    step(
      engine,
      placeOrder({
        account: 1,
        market: BTCUSDT,
        side: Side.BUY,
        price: 90,
        quantity: 2,
        clientOrderId: 'one',
      }),
    );
    step(engine, placeOrder({ account: 1, market: BTCUSDT, side: Side.BUY, price: 90, quantity: 3 }));
    step(engine, placeOrder({ account: 1, market: ETHBTC, side: Side.BUY, price: 10, quantity: 1 }));
    step(
      engine,
      placeOrder({
        account: 1,
        market: BTCUSDT,
        side: Side.SELL,
        type: OrderType.STOP_LOSS,
        stopPrice: 80,
        quantity: 1,
      }),
    );
    step(engine, placeOrder({ account: 2, market: BTCUSDT, side: Side.BUY, price: 91, quantity: 1 }));
  });

  it('cancels by order id in O(1) and unlocks exactly what the order held', () => {
    const outcome = step(engine, cancelOrder(1, BTCUSDT, { orderId: 2 }));
    expect(outcome.result).toBe('OK');
    expect(eventsOf(outcome, 'order')[0]).toMatchObject({ orderId: 2, status: 'CANCELED' });
    expect(eventsOf(outcome, 'depth')[0]).toMatchObject({ price: 90, quantity: 2 });
    expect(engine.audit().problems).toEqual([]);
  });

  it('cancels by client order id', () => {
    const outcome = step(engine, cancelOrder(1, BTCUSDT, { clientOrderId: 'one' }));
    expect(eventsOf(outcome, 'order')[0]).toMatchObject({
      orderId: 1,
      clientOrderId: 'one',
      status: 'CANCELED',
    });
  });

  it('answers UNKNOWN_ORDER for an order of another account, another market, or no order', () => {
    expect(step(engine, cancelOrder(2, BTCUSDT, { orderId: 1 })).result).toBe('UNKNOWN_ORDER');
    expect(step(engine, cancelOrder(1, ETHBTC, { orderId: 1 })).result).toBe('UNKNOWN_ORDER');
    expect(step(engine, cancelOrder(1, BTCUSDT, { orderId: 999 })).result).toBe('UNKNOWN_ORDER');
    expect(step(engine, cancelOrder(1, BTCUSDT, { clientOrderId: 'none' })).result).toBe('UNKNOWN_ORDER');
    expect(step(engine, cancelOrder(7, BTCUSDT, { orderId: 1 })).result).toBe('UNKNOWN_ORDER');
    expect(step(engine, cancelOrder(1, 9, { orderId: 1 })).result).toBe('UNKNOWN_SYMBOL');
  });

  it('cancels all of an account on one market, stops included, in placement order', () => {
    const outcome = step(engine, { kind: 'cancelAll', account: 1, market: BTCUSDT });
    expect(eventsOf(outcome, 'order').map((o) => [o.orderId, o.status])).toEqual([
      [1, 'CANCELED'],
      [2, 'CANCELED'],
      [4, 'CANCELED'],
    ]);
    expect(engine.openOrders(1).map((o) => o.id)).toEqual([3]);
    expect(engine.openOrders(2).map((o) => o.id)).toEqual([5]);
    expect(step(engine, { kind: 'cancelAll', account: 1, market: BTCUSDT }).result).toBe('UNKNOWN_ORDER');
    expect(engine.audit().problems).toEqual([]);
  });
});
