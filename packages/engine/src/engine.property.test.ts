import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeOrder, type Command } from './commands.ts';
import { Engine } from './engine.ts';
import type { EngineEvent, OrderEvent } from './event-decode.ts';
import {
  OrderType,
  orderStatusNames,
  orderTypeNames,
  sideNames,
  stpModeNames,
  timeInForceNames,
} from './order-enums.ts';
import { resultName } from './result-codes.ts';
import { ReferenceExchange } from './testing/reference-exchange.ts';
import { step, testAssets, testEngine, testMarkets } from './testing/fixture.ts';

/**
 * The fast engine against the naive reference over random command sequences: same result codes,
 * same trades, same order states, same balances, same books, after every command; the auditor is
 * clean after every command; events agree with the state; and export → import → continue ends in
 * the same state (hash) with the same events as the uninterrupted run. fast-check prints the seed
 * and the shrunk sequence on failure.
 */

const accountsMax = 4;
const basePrice = [100, 500];
const quoteUnit = [10_000_000, 10_000];

const place = fc
  .record({
    account: fc.integer({ min: 1, max: accountsMax }),
    market: fc.integer({ min: 0, max: 1 }),
    side: fc.integer({ min: 0, max: 1 }),
    kind: fc.constantFrom('GTC', 'GTC', 'GTC', 'IOC', 'FOK', 'MAKER', 'MARKET', 'QUOTE'),
    offset: fc.integer({ min: -5, max: 5 }),
    quantity: fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 1, max: 8 }) },
      { weight: 1, arbitrary: fc.constant(0) },
    ),
    quote: fc.integer({ min: 1, max: 2000 }),
    stp: fc.constantFrom(0, 0, 0, 1, 2, 3),
    clientOrderId: fc.constantFrom('', '', '', 'a', 'b'),
  })
  .map(({ account, market, side, kind, offset, quantity, quote, stp, clientOrderId }): Command => {
    const price = basePrice[market]! + offset;
    const common = { account, market, side, stp, clientOrderId };
    if (kind === 'MARKET') return placeOrder({ ...common, type: OrderType.MARKET, quantity });
    if (kind === 'QUOTE')
      return placeOrder({ ...common, type: OrderType.MARKET, quoteOrderQty: quote * quoteUnit[market]! });
    if (kind === 'MAKER') return placeOrder({ ...common, type: OrderType.LIMIT_MAKER, price, quantity });
    const timeInForce = kind === 'GTC' ? 0 : kind === 'IOC' ? 1 : 2;
    return placeOrder({ ...common, price, quantity, timeInForce });
  });

/** Stop orders of all four types around the base price (the reference does not model them). */
const stop = fc
  .record({
    account: fc.integer({ min: 1, max: accountsMax }),
    market: fc.integer({ min: 0, max: 1 }),
    side: fc.integer({ min: 0, max: 1 }),
    type: fc.constantFrom(
      OrderType.STOP_LOSS,
      OrderType.STOP_LOSS_LIMIT,
      OrderType.TAKE_PROFIT,
      OrderType.TAKE_PROFIT_LIMIT,
    ),
    stopOffset: fc.integer({ min: -5, max: 5 }),
    limitOffset: fc.integer({ min: -5, max: 5 }),
    quantity: fc.integer({ min: 1, max: 6 }),
    timeInForce: fc.constantFrom(0, 0, 1, 2),
    stp: fc.constantFrom(0, 1, 2, 3),
  })
  .map(({ market, type, stopOffset, limitOffset, ...rest }): Command => {
    const limitPriced = type === OrderType.STOP_LOSS_LIMIT || type === OrderType.TAKE_PROFIT_LIMIT;
    const price = limitPriced ? basePrice[market]! + limitOffset : 0;
    return placeOrder({ ...rest, market, type, price, stopPrice: basePrice[market]! + stopOffset });
  });

const cancel = fc.oneof(
  fc.record({
    kind: fc.constant('cancel' as const),
    account: fc.integer({ min: 1, max: accountsMax }),
    market: fc.integer({ min: 0, max: 1 }),
    orderId: fc.integer({ min: 1, max: 60 }),
    clientOrderId: fc.constant(''),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    account: fc.integer({ min: 1, max: accountsMax }),
    market: fc.integer({ min: 0, max: 1 }),
    orderId: fc.constant(0),
    clientOrderId: fc.constantFrom('a', 'b'),
  }),
  fc.record({
    kind: fc.constant('cancelAll' as const),
    account: fc.integer({ min: 1, max: accountsMax }),
    market: fc.integer({ min: 0, max: 1 }),
  }),
);

const deposit = fc.record({
  kind: fc.constant('deposit' as const),
  account: fc.integer({ min: 1, max: accountsMax }),
  asset: fc.integer({ min: 0, max: 2 }),
  amount: fc.integer({ min: 1, max: 100_000_000_000 }),
  txId: fc.constantFrom('t1', 't2', 't3', 't4', 't5', 't6'),
});

/** Every account gets every asset: mostly enough for dozens of orders, sometimes barely any. */
const opening = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1_000_000_000, max: 100_000_000_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000_000 }) },
    ),
    { minLength: accountsMax * 3, maxLength: accountsMax * 3 },
  )
  .map((amounts) => amounts.map((amount, n) => ({ account: 1 + Math.floor(n / 3), asset: n % 3, amount })));

const scenario = fc.record({
  opening,
  commands: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: place },
      { weight: 3, arbitrary: cancel },
      { weight: 1, arbitrary: deposit },
    ),
    {
      minLength: 10,
      maxLength: 120,
      size: 'max',
    },
  ),
});

/** The same scenarios with stop orders mixed in. */
const scenarioWithStops = fc.record({
  opening,
  commands: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: place },
      { weight: 2, arbitrary: stop },
      { weight: 3, arbitrary: cancel },
      { weight: 1, arbitrary: deposit },
    ),
    { minLength: 10, maxLength: 120, size: 'max' },
  ),
});

function openingCommands(funds: { account: number; asset: number; amount: number }[]): Command[] {
  return funds.map((f, n) => ({
    kind: 'deposit',
    account: f.account,
    asset: f.asset,
    amount: f.amount,
    txId: `open-${n}`,
  }));
}

/** A copy of an object without some keys. */
function omit<T extends object>(value: T, keys: (keyof T)[]): Record<string, unknown> {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of keys) delete copy[key as string];
  return copy;
}

/** The order as the reference exchange tracks it (it keeps no times; the engine's host stamps those). */
function orderView(event: OrderEvent): Record<string, unknown> {
  return omit(event, ['kind', 'reason', 'stopPrice', 'placedAt']);
}

/** Checks events against state: last BALANCE per key equals the state, depth replays to the book. */
function checkEventsAgainstState(
  engine: Engine,
  events: EngineEvent[],
  depthBooks: Map<string, number>[],
  lastU: number[],
): void {
  for (const event of events) {
    if (event.kind === 'balance') expect(engine.balance(event.account, event.asset)).toBeDefined();
    if (event.kind !== 'depth') continue;
    expect(event.u === lastU[event.market] || event.u === lastU[event.market]! + 1).toBe(true);
    lastU[event.market] = event.u;
    const book = depthBooks[event.market]!;
    const key = `${event.side}:${event.price}`;
    if (event.quantity === 0) book.delete(key);
    else book.set(key, event.quantity);
  }
  const lastBalance = new Map<string, EngineEvent>();
  for (const event of events)
    if (event.kind === 'balance') lastBalance.set(`${event.account}:${event.asset}`, event);
  for (const event of lastBalance.values()) {
    if (event.kind !== 'balance') continue;
    expect({ free: event.free, locked: event.locked }).toEqual(engine.balance(event.account, event.asset));
  }
  depthBooks.forEach((book, market) => {
    const depth = engine.depth(market, 10_000);
    const expected = new Map<string, number>();
    for (const [price, quantity] of depth.bids) expected.set(`BUY:${price}`, quantity);
    for (const [price, quantity] of depth.asks) expected.set(`SELL:${price}`, quantity);
    expect(new Map([...book].sort())).toEqual(new Map([...expected].sort()));
    expect(depth.lastUpdateId).toBe(lastU[market]);
  });
}

function compareStep(engine: Engine, reference: ReferenceExchange, command: Command): void {
  const outcome = step(engine, command);
  const code = reference.execute(command);
  expect(outcome.result).toBe(resultName(code));
  const trades = outcome.events
    .filter((e) => e.kind === 'trade')
    .map((trade) => omit(trade, ['kind', 'buyerAccount', 'sellerAccount']));
  expect(trades).toEqual(reference.trades);
  const orders = new Map<number, Record<string, unknown>>();
  for (const event of outcome.events) if (event.kind === 'order') orders.set(event.orderId, orderView(event));
  const expectedOrders = new Map<number, Record<string, unknown>>();
  for (const order of reference.touched.values()) {
    expectedOrders.set(order.id, {
      market: order.market,
      orderId: order.id,
      account: order.account,
      clientOrderId: order.clientOrderId,
      side: sideNames[order.side],
      type: orderTypeNames[order.type],
      timeInForce: timeInForceNames[order.timeInForce],
      stp: stpModeNames[order.stp],
      status: orderStatusNames[order.status],
      price: order.price,
      quantity: order.quantity,
      executed: order.executed,
      cumQuote: order.cumQuote,
      quoteOrderQty: order.quoteOrderQty,
    });
  }
  expect(orders).toEqual(expectedOrders);
  const state = engine.exportState();
  const expectedBalances = [...reference.balances]
    .map(([key, b]) => ({ account: Number(key.split(':')[0]), asset: Number(key.split(':')[1]), ...b }))
    .filter((b) => b.free !== 0 || b.locked !== 0)
    .sort((x, y) => x.account - y.account || x.asset - y.asset);
  expect(state.balances).toEqual(expectedBalances);
  const book = state.book.map((o) => [o.id, o.executed, o.status]);
  expect(book).toEqual(reference.openOrders().map((o) => [o.id, o.executed, o.status]));
  const report = engine.audit();
  expect(report.problems).toEqual([]);
}

describe('engine against the reference exchange', () => {
  it('gives the same codes, trades, orders, balances and books, and stays audited after every step', () => {
    fc.assert(
      fc.property(scenario, ({ opening: funds, commands }) => {
        const engine = testEngine(5);
        const reference = new ReferenceExchange(testAssets, testMarkets, 0, 5);
        for (const command of [...openingCommands(funds), ...commands]) {
          compareStep(engine, reference, command);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('emits balance and depth events that agree with the state, stops included, audited after every step', () => {
    fc.assert(
      fc.property(scenarioWithStops, ({ opening: funds, commands }) => {
        const engine = testEngine(5);
        const depthBooks = testMarkets.map(() => new Map<string, number>());
        const lastU = testMarkets.map(() => 0);
        for (const command of [...openingCommands(funds), ...commands]) {
          const outcome = step(engine, command);
          checkEventsAgainstState(engine, outcome.events, depthBooks, lastU);
          expect(engine.audit().problems).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('continues identically after export → JSON → import at any point, stops included', () => {
    fc.assert(
      fc.property(scenarioWithStops, fc.nat(), ({ opening: funds, commands }, cut) => {
        const all = [...openingCommands(funds), ...commands];
        const at = cut % (all.length + 1);
        const straight = testEngine(5);
        const straightEvents = all.map((command) => step(straight, command));
        const first = testEngine(5);
        for (const command of all.slice(0, at)) step(first, command);
        const saved = JSON.parse(JSON.stringify(first.exportState())) as ReturnType<Engine['exportState']>;
        const restored = Engine.fromSnapshot(saved);
        expect(restored.stateHash()).toBe(first.stateHash());
        const restoredEvents = all.slice(at).map((command) => step(restored, command));
        expect(restoredEvents).toEqual(straightEvents.slice(at));
        expect(restored.stateHash()).toBe(straight.stateHash());
      }),
      { numRuns: 100 },
    );
  });
});
