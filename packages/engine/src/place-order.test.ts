import { beforeEach, describe, expect, it } from 'vitest';
import { placeOrder } from './commands.ts';
import type { Engine } from './engine.ts';
import { OrderType, Side, StpMode, TimeInForce } from './order-enums.ts';
import { BTC, BTCUSDT, ETHBTC, eventsOf, fund, step, testEngine, USDT } from './testing/fixture.ts';

/**
 * Table tests of order placement on BTCUSDT: one tick is 1 USDT, one lot 0.01 BTC, so one lot at
 * one tick is 10^6 USDT units; maker fee 0.1 %, taker fee 0.2 %, both rounded up.
 */
const lot = 1_000_000;
const tickLot = 1_000_000;
const seller = 2;
const buyer = 1;

function limit(
  account: number,
  side: number,
  price: number,
  quantity: number,
  timeInForce: number = TimeInForce.GTC,
) {
  return placeOrder({ account, market: BTCUSDT, side, price, quantity, timeInForce });
}

describe('placing orders', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
    fund(engine, buyer, USDT, 1_000_000 * tickLot);
    fund(engine, seller, BTC, 100 * lot);
  });

  it('rests a GTC limit order and locks its cost', () => {
    const outcome = step(engine, limit(buyer, Side.BUY, 100, 5));
    expect(outcome.result).toBe('OK');
    const [order] = eventsOf(outcome, 'order');
    expect(order).toMatchObject({ status: 'NEW', executed: 0, quantity: 5, price: 100, orderId: 1 });
    expect(engine.balance(buyer, USDT)).toEqual({ free: (1_000_000 - 500) * tickLot, locked: 500 * tickLot });
    expect(eventsOf(outcome, 'depth')).toEqual([
      { kind: 'depth', market: 0, U: 1, u: 1, side: 'BUY', price: 100, quantity: 5 },
    ]);
  });

  it('fills at the maker price, charges fees from what each side receives, releases price improvement', () => {
    step(engine, limit(seller, Side.SELL, 100, 10));
    const outcome = step(engine, limit(buyer, Side.BUY, 101, 4));
    const [trade] = eventsOf(outcome, 'trade');
    expect(trade).toMatchObject({ price: 100, quantity: 4, quoteQty: 400 * tickLot, buyerIsMaker: false });
    expect(trade!.buyerFee).toBe((4 * lot * 2) / 1000);
    expect(trade!.sellerFee).toBe((400 * tickLot) / 1000);
    expect(engine.balance(buyer, USDT)).toEqual({ free: (1_000_000 - 400) * tickLot, locked: 0 });
    expect(engine.balance(buyer, BTC)).toEqual({ free: 4 * lot - trade!.buyerFee, locked: 0 });
    expect(engine.balance(seller, USDT)).toEqual({ free: 400 * tickLot - trade!.sellerFee, locked: 0 });
    expect(engine.balance(seller, BTC)).toEqual({ free: 90 * lot, locked: 6 * lot });
    expect(engine.balance(0, BTC).free).toBe(trade!.buyerFee);
    const statuses = eventsOf(outcome, 'order').map((o) => [o.orderId, o.status]);
    expect(statuses).toEqual([
      [1, 'PARTIALLY_FILLED'],
      [2, 'FILLED'],
    ]);
    expect(engine.audit().problems).toEqual([]);
  });

  it('walks several levels in price-time priority and rests the remainder of a GTC taker', () => {
    step(engine, limit(seller, Side.SELL, 101, 2));
    step(engine, limit(seller, Side.SELL, 100, 1));
    fund(engine, 3, BTC, 10 * lot);
    step(engine, limit(3, Side.SELL, 100, 1));
    const outcome = step(engine, limit(buyer, Side.BUY, 101, 6));
    expect(eventsOf(outcome, 'trade').map((t) => [t.price, t.quantity, t.sellerOrderId])).toEqual([
      [100, 1, 2],
      [100, 1, 3],
      [101, 2, 1],
    ]);
    const taker = eventsOf(outcome, 'order').at(-1)!;
    expect(taker).toMatchObject({ status: 'PARTIALLY_FILLED', executed: 4, quantity: 6 });
    expect(engine.depth(BTCUSDT, 5)).toMatchObject({ bids: [[101, 2]], asks: [] });
  });

  it('expires the unfilled rest of an IOC order', () => {
    step(engine, limit(seller, Side.SELL, 100, 2));
    const outcome = step(engine, limit(buyer, Side.BUY, 100, 5, TimeInForce.IOC));
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({ status: 'EXPIRED', executed: 2 });
    expect(engine.balance(buyer, USDT).locked).toBe(0);
    expect(engine.openOrders(buyer)).toEqual([]);
  });

  it('fills a FOK order completely or rejects it without touching the book', () => {
    step(engine, limit(seller, Side.SELL, 100, 2));
    step(engine, limit(seller, Side.SELL, 102, 2));
    expect(step(engine, limit(buyer, Side.BUY, 101, 3, TimeInForce.FOK)).result).toBe('FOK_NOT_FILLABLE');
    expect(engine.depth(BTCUSDT, 5).asks).toEqual([
      [100, 2],
      [102, 2],
    ]);
    const outcome = step(engine, limit(buyer, Side.BUY, 102, 3, TimeInForce.FOK));
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({
      status: 'FILLED',
      executed: 3,
      timeInForce: 'FOK',
    });
  });

  it('rejects a LIMIT_MAKER order that would match, rests one that would not', () => {
    step(engine, limit(seller, Side.SELL, 100, 2));
    const maker = (price: number) =>
      placeOrder({
        account: buyer,
        market: BTCUSDT,
        side: Side.BUY,
        type: OrderType.LIMIT_MAKER,
        price,
        quantity: 1,
      });
    expect(step(engine, maker(100)).result).toBe('WOULD_MATCH');
    expect(step(engine, maker(99)).result).toBe('OK');
    expect(engine.openOrders(buyer)[0]).toMatchObject({ type: OrderType.LIMIT_MAKER, price: 99 });
  });

  it('buys at market by quantity, locking exactly the cost the book quotes', () => {
    step(engine, limit(seller, Side.SELL, 100, 1));
    step(engine, limit(seller, Side.SELL, 105, 5));
    const outcome = step(
      engine,
      placeOrder({ account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quantity: 3 }),
    );
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({
      status: 'FILLED',
      executed: 3,
      cumQuote: 310 * tickLot,
    });
    expect(engine.balance(buyer, USDT)).toEqual({ free: (1_000_000 - 310) * tickLot, locked: 0 });
  });

  it('expires a market order when the book runs dry', () => {
    step(engine, limit(seller, Side.SELL, 100, 1));
    const outcome = step(
      engine,
      placeOrder({ account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quantity: 3 }),
    );
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({ status: 'EXPIRED', executed: 1 });
  });

  it('buys at market by quote amount, never spending more than the amount', () => {
    step(engine, limit(seller, Side.SELL, 100, 1));
    step(engine, limit(seller, Side.SELL, 150, 5));
    const quoteOrderQty = 420 * tickLot;
    const outcome = step(
      engine,
      placeOrder({ account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quoteOrderQty }),
    );
    const order = eventsOf(outcome, 'order').at(-1)!;
    expect(order).toMatchObject({
      status: 'FILLED',
      executed: 3,
      quantity: 3,
      cumQuote: 400 * tickLot,
      quoteOrderQty,
    });
    expect(engine.balance(buyer, USDT)).toEqual({ free: (1_000_000 - 400) * tickLot, locked: 0 });
  });

  it('sells at market by quote amount, locking the base the book says it will sell', () => {
    fund(engine, 3, USDT, 10_000 * tickLot);
    step(engine, limit(3, Side.BUY, 100, 10));
    const outcome = step(
      engine,
      placeOrder({
        account: seller,
        market: BTCUSDT,
        side: Side.SELL,
        type: OrderType.MARKET,
        quoteOrderQty: 250 * tickLot,
      }),
    );
    expect(eventsOf(outcome, 'order').at(-1)).toMatchObject({
      status: 'FILLED',
      executed: 2,
      cumQuote: 200 * tickLot,
    });
    expect(engine.balance(seller, BTC)).toEqual({ free: 98 * lot, locked: 0 });
  });

  it('rejects orders that fail a filter, with the filter name', () => {
    const cases: [Parameters<typeof placeOrder>[0], string][] = [
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 0, quantity: 1 }, 'PRICE_FILTER'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 100_001, quantity: 1 }, 'PRICE_FILTER'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 100.5, quantity: 1 }, 'PRICE_FILTER'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 0 }, 'LOT_SIZE'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 1001 }, 'LOT_SIZE'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 100, quantity: -1 }, 'LOT_SIZE'],
      [{ account: buyer, market: BTCUSDT, side: Side.BUY, price: 1, quantity: 1 }, 'MIN_NOTIONAL'],
      [
        { account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quantity: 501 },
        'MARKET_LOT_SIZE',
      ],
      [
        { account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quoteOrderQty: 1 },
        'MIN_NOTIONAL',
      ],
      [
        { account: buyer, market: BTCUSDT, side: Side.BUY, type: OrderType.MARKET, quantity: 1, price: 100 },
        'INVALID_PARAMETER',
      ],
      [{ account: buyer, market: 7, side: Side.BUY, price: 100, quantity: 1 }, 'UNKNOWN_SYMBOL'],
      [{ account: buyer, market: BTCUSDT, side: 2, price: 100, quantity: 1 }, 'INVALID_PARAMETER'],
      [
        { account: buyer, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 1, timeInForce: 9 },
        'INVALID_PARAMETER',
      ],
      [
        { account: buyer, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 1, stp: 4 },
        'INVALID_PARAMETER',
      ],
      [
        {
          account: buyer,
          market: BTCUSDT,
          side: Side.BUY,
          price: 100,
          quantity: 1,
          clientOrderId: 'no spaces',
        },
        'INVALID_CLIENT_ORDER_ID',
      ],
      [{ account: buyer, market: BTCUSDT, side: Side.SELL, price: 100, quantity: 1 }, 'INSUFFICIENT_BALANCE'],
      [{ account: 99, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 1 }, 'INSUFFICIENT_BALANCE'],
      [{ account: buyer, market: ETHBTC, side: Side.BUY, price: 100, quantity: 1 }, 'INSUFFICIENT_BALANCE'],
    ];
    const before = engine.stateHash();
    for (const [fields, expected] of cases) {
      const outcome = step(engine, placeOrder(fields));
      expect([fields, outcome.result]).toEqual([fields, expected]);
      expect(outcome.events).toEqual([]);
    }
    expect(engine.stateHash()).toBe(before);
  });

  it('returns the existing open order for a repeated client order id, and allows reuse once it closed', () => {
    const first = step(
      engine,
      placeOrder({
        account: buyer,
        market: BTCUSDT,
        side: Side.BUY,
        price: 90,
        quantity: 1,
        clientOrderId: 'abc',
      }),
    );
    expect(first.result).toBe('OK');
    const again = step(
      engine,
      placeOrder({
        account: buyer,
        market: BTCUSDT,
        side: Side.BUY,
        price: 95,
        quantity: 2,
        clientOrderId: 'abc',
      }),
    );
    expect(again).toEqual({ result: 'DUPLICATE_CLIENT_ORDER_ID', events: [] });
    expect(engine.lastOrderId).toBe(1);
    expect(engine.openOrders(buyer)).toHaveLength(1);
    expect(
      step(engine, { kind: 'cancel', account: buyer, market: BTCUSDT, orderId: 0, clientOrderId: 'abc' })
        .result,
    ).toBe('OK');
    expect(
      step(
        engine,
        placeOrder({
          account: buyer,
          market: BTCUSDT,
          side: Side.BUY,
          price: 95,
          quantity: 2,
          clientOrderId: 'abc',
        }),
      ).result,
    ).toBe('OK');
    expect(engine.lastOrderId).toBe(2);
  });

  it('limits open orders per account', () => {
    const small = testEngine(2);
    fund(small, buyer, USDT, 1_000 * tickLot);
    expect(step(small, limit(buyer, Side.BUY, 10, 1)).result).toBe('OK');
    expect(step(small, limit(buyer, Side.BUY, 11, 1)).result).toBe('OK');
    expect(step(small, limit(buyer, Side.BUY, 12, 1)).result).toBe('MAX_OPEN_ORDERS');
    expect(step(small, limit(buyer, Side.BUY, 12, 1, TimeInForce.IOC)).result).toBe('OK');
  });

  it('keeps self-trades with STP NONE (both legs settle on the same account)', () => {
    fund(engine, buyer, BTC, 10 * lot);
    step(engine, limit(buyer, Side.SELL, 100, 1));
    const outcome = step(
      engine,
      placeOrder({
        account: buyer,
        market: BTCUSDT,
        side: Side.BUY,
        price: 100,
        quantity: 1,
        stp: StpMode.NONE,
      }),
    );
    expect(eventsOf(outcome, 'trade')).toHaveLength(1);
    expect(engine.audit().ok).toBe(true);
  });
});
