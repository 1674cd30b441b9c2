import { beforeEach, describe, expect, it } from 'vitest';
import { placeOrder } from './commands.ts';
import type { Engine } from './engine.ts';
import { Side, StpMode, TimeInForce } from './order-enums.ts';
import { BTC, BTCUSDT, eventsOf, fund, step, testEngine, USDT } from './testing/fixture.ts';

/**
 * Self-trade prevention, Binance semantics: the taker's mode decides when it meets a maker of the
 * same account. The book holds (best first): alice 1 lot @100, bob 1 lot @100, alice 1 lot @101.
 */
const alice = 1;
const bob = 2;

describe('self-trade prevention', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
    fund(engine, alice, BTC, 10_000_000);
    fund(engine, alice, USDT, 100_000_000_000);
    fund(engine, bob, BTC, 10_000_000);
    step(engine, placeOrder({ account: alice, market: BTCUSDT, side: Side.SELL, price: 100, quantity: 1 }));
    step(engine, placeOrder({ account: bob, market: BTCUSDT, side: Side.SELL, price: 100, quantity: 1 }));
    step(engine, placeOrder({ account: alice, market: BTCUSDT, side: Side.SELL, price: 101, quantity: 1 }));
  });

  const takeAll = (stp: number) =>
    placeOrder({
      account: alice,
      market: BTCUSDT,
      side: Side.BUY,
      price: 101,
      quantity: 3,
      stp,
      timeInForce: TimeInForce.GTC,
    });

  it('EXPIRE_TAKER: the taker expires in match at the first own maker; makers stay', () => {
    const outcome = step(engine, takeAll(StpMode.EXPIRE_TAKER));
    expect(eventsOf(outcome, 'trade')).toEqual([]);
    expect(eventsOf(outcome, 'order').map((o) => [o.orderId, o.status])).toEqual([[4, 'EXPIRED_IN_MATCH']]);
    expect(engine.openOrders(alice)).toHaveLength(2);
    expect(engine.audit().problems).toEqual([]);
  });

  it('EXPIRE_MAKER: own makers expire in match, the taker trades with others and rests the rest', () => {
    const outcome = step(engine, takeAll(StpMode.EXPIRE_MAKER));
    expect(eventsOf(outcome, 'trade').map((t) => t.sellerOrderId)).toEqual([2]);
    expect(eventsOf(outcome, 'order').map((o) => [o.orderId, o.status])).toEqual([
      [1, 'EXPIRED_IN_MATCH'],
      [2, 'FILLED'],
      [3, 'EXPIRED_IN_MATCH'],
      [4, 'PARTIALLY_FILLED'],
    ]);
    expect(engine.balance(alice, BTC).locked).toBe(0);
    expect(engine.audit().problems).toEqual([]);
  });

  it('EXPIRE_BOTH: the first own maker and the taker both expire in match', () => {
    const outcome = step(engine, takeAll(StpMode.EXPIRE_BOTH));
    expect(eventsOf(outcome, 'trade')).toEqual([]);
    expect(eventsOf(outcome, 'order').map((o) => [o.orderId, o.status])).toEqual([
      [1, 'EXPIRED_IN_MATCH'],
      [4, 'EXPIRED_IN_MATCH'],
    ]);
    expect(engine.openOrders(alice).map((o) => o.id)).toEqual([3]);
  });

  it('NONE: the account trades with itself', () => {
    const outcome = step(engine, takeAll(StpMode.NONE));
    expect(eventsOf(outcome, 'trade').map((t) => t.sellerOrderId)).toEqual([1, 2, 3]);
  });

  it('keeps fills made before the taker meets its own maker', () => {
    step(engine, placeOrder({ account: bob, market: BTCUSDT, side: Side.SELL, price: 99, quantity: 1 }));
    const outcome = step(engine, takeAll(StpMode.EXPIRE_TAKER));
    expect(eventsOf(outcome, 'trade').map((t) => t.price)).toEqual([99]);
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({ status: 'EXPIRED_IN_MATCH', executed: 1 });
  });

  it('counts only fillable liquidity for FOK, so a FOK order never fills partially', () => {
    const fok = placeOrder({
      account: alice,
      market: BTCUSDT,
      side: Side.BUY,
      price: 101,
      quantity: 2,
      stp: StpMode.EXPIRE_MAKER,
      timeInForce: TimeInForce.FOK,
    });
    expect(step(engine, fok).result).toBe('FOK_NOT_FILLABLE');
    expect(engine.openOrders(alice)).toHaveLength(2);
  });
});
