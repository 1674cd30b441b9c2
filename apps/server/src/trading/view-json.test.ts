import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Engine,
  orderStatusNames,
  orderTypeNames,
  sideNames,
  stpModeNames,
  timeInForceNames,
  type OrderEvent,
  type TradeEvent,
} from '@lockstep/engine';
import { demoAssets, demoMarkets } from './demo-markets.ts';
import { TradingPresenter } from './presenters.ts';
import { balanceViewJson, orderAnswerJson, orderViewJson, tradeViewJson } from './view-json.ts';

/**
 * The demo markets, and one whose symbol and asset codes hold characters JSON must escape: the
 * engine takes any name, and the writers must quote what the configuration gives them.
 */
function presenter(): TradingPresenter {
  const engine = new Engine({ feeAccountId: 0 });
  for (const asset of demoAssets) engine.addAsset(asset);
  engine.addAsset({ code: 'Q"\\\u0001é', decimals: 8 });
  for (const market of demoMarkets) engine.addMarket(market);
  engine.addMarket({ ...demoMarkets[0]!, symbol: 'S\n"\u2028', base: 'Q"\\\u0001é' });
  return new TradingPresenter(engine);
}

const markets = demoMarkets.length + 1;
const amount = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const time = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) });

const orderEvent: fc.Arbitrary<OrderEvent> = fc.record({
  kind: fc.constant('order' as const),
  market: fc.nat({ max: markets - 1 }),
  orderId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  account: fc.nat(),
  // Any text: the writer quotes the client's id as JSON.stringify does.
  clientOrderId: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('')),
  side: fc.constantFrom(...sideNames),
  type: fc.constantFrom(...orderTypeNames),
  timeInForce: fc.constantFrom(...timeInForceNames),
  stp: fc.constantFrom(...stpModeNames),
  status: fc.constantFrom(...orderStatusNames),
  price: amount,
  stopPrice: amount,
  quantity: amount,
  executed: amount,
  cumQuote: amount,
  quoteOrderQty: amount,
  reason: fc.constant(null),
  placedAt: time,
});

const tradeEvent: fc.Arbitrary<TradeEvent> = fc.record({
  kind: fc.constant('trade' as const),
  market: fc.nat({ max: markets - 1 }),
  tradeId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  price: amount,
  quantity: amount,
  quoteQty: amount,
  buyerOrderId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  sellerOrderId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  buyerAccount: fc.nat(),
  sellerAccount: fc.nat(),
  buyerIsMaker: fc.boolean(),
  buyerFee: amount,
  sellerFee: amount,
});

describe('trading views as JSON', () => {
  const p = presenter();

  it('writes an order view exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(orderEvent, time, (event, at) => {
        const view = p.order(event, at);
        expect(orderViewJson(view)).toBe(JSON.stringify(view));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes both sides of a trade exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(tradeEvent, time, (event, at) => {
        for (const { trade } of p.tradeSides(event, at))
          expect(tradeViewJson(trade)).toBe(JSON.stringify(trade));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes the answer to an order placed or cancelled exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(orderEvent, fc.array(tradeEvent, { maxLength: 4 }), time, (event, trades, at) => {
        const order = p.order(event, at);
        const fills = trades.flatMap((t) => p.tradeSides(t, at).map((s) => s.trade));
        expect(orderAnswerJson(order, fills)).toBe(JSON.stringify({ order, fills }));
        expect(orderAnswerJson(order)).toBe(JSON.stringify({ order }));
        // The text of a frozen view is kept; the same event presented again is the same view.
        expect(orderViewJson(p.order(event, at))).toBe(JSON.stringify(order));
      }),
      { numRuns: 1_000 },
    );
  });

  it('writes a view that is not frozen anew each time', () => {
    fc.assert(
      fc.property(orderEvent, fc.constantFrom(...orderStatusNames), (event, status) => {
        const view = { ...p.order(event, 0) };
        expect(orderViewJson(view)).toBe(JSON.stringify(view));
        view.status = status;
        expect(orderViewJson(view)).toBe(JSON.stringify(view));
      }),
      { numRuns: 200 },
    );
  });

  it('writes a balance view exactly as JSON.stringify does', () => {
    const assets = demoAssets.length + 1;
    fc.assert(
      fc.property(fc.nat({ max: assets - 1 }), amount, amount, (asset, free, locked) => {
        const view = p.balance({ kind: 'balance', account: 1, asset, free, locked });
        expect(balanceViewJson(view)).toBe(JSON.stringify(view));
      }),
      { numRuns: 2_000 },
    );
  });
});
