import { describe, expect, it } from 'vitest';
import { placeOrder } from './commands.ts';
import { Side } from './order-enums.ts';
import { BTC, BTCUSDT, ETH, ETHBTC, eventsOf, fund, step, testEngine, USDT } from './testing/fixture.ts';

describe('one-click close', () => {
  it('cancels the account’s orders on the market, then sells its whole base holding at market', () => {
    const engine = testEngine();
    fund(engine, 1, BTC, 5_500_000);
    fund(engine, 2, USDT, 1_000_000_000_000);
    step(engine, placeOrder({ account: 1, market: BTCUSDT, side: Side.SELL, price: 200, quantity: 2 }));
    step(engine, placeOrder({ account: 2, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 50 }));
    const outcome = step(engine, { kind: 'close', account: 1, market: BTCUSDT });
    expect(outcome.result).toBe('OK');
    const orders = eventsOf(outcome, 'order');
    expect(orders[0]).toMatchObject({ orderId: 1, status: 'CANCELED' });
    expect(orders.at(-1)).toMatchObject({ type: 'MARKET', side: 'SELL', status: 'FILLED', executed: 5 });
    // 5.5 lots of base: five whole lots sold, the half lot that is not a whole step stays.
    expect(engine.balance(1, BTC)).toEqual({ free: 500_000, locked: 0 });
    expect(engine.audit().problems).toEqual([]);
  });

  it('leaves base locked by another market alone', () => {
    const engine = testEngine();
    fund(engine, 1, ETH, 100_000_000);
    fund(engine, 2, BTC, 1_000_000_000);
    step(engine, placeOrder({ account: 1, market: ETHBTC, side: Side.SELL, price: 900, quantity: 4 }));
    step(engine, placeOrder({ account: 2, market: ETHBTC, side: Side.BUY, price: 500, quantity: 100 }));
    const outcome = step(engine, { kind: 'close', account: 1, market: ETHBTC });
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({ executed: 10, status: 'FILLED' });
    expect(engine.balance(1, ETH)).toEqual({ free: 0, locked: 0 });
  });

  it('says NOTHING_TO_CLOSE when there is neither an order nor a sellable lot', () => {
    const engine = testEngine();
    fund(engine, 1, BTC, 10);
    expect(step(engine, { kind: 'close', account: 1, market: BTCUSDT })).toEqual({
      result: 'NOTHING_TO_CLOSE',
      events: [],
    });
    expect(step(engine, { kind: 'close', account: 9, market: BTCUSDT }).result).toBe('NOTHING_TO_CLOSE');
    expect(step(engine, { kind: 'close', account: 1, market: 9 }).result).toBe('UNKNOWN_SYMBOL');
  });
});
