import { describe, expect, it } from 'vitest';
import { Engine, type OrderEvent } from '@lockstep/engine';
import { demoAssets, demoMarkets } from './demo-markets.ts';
import { TradingPresenter } from './presenters.ts';

function presenter(): TradingPresenter {
  const engine = new Engine({ feeAccountId: 0 });
  for (const asset of demoAssets) engine.addAsset(asset);
  for (const market of demoMarkets) engine.addMarket(market);
  return new TradingPresenter(engine);
}

describe('TradingPresenter', () => {
  it('formats engine integers as exact decimals of the market and asset', () => {
    const p = presenter();
    expect(p.price(0, 5_000_001)).toBe('50000.01');
    expect(p.quantity(0, 1)).toBe('0.00001');
    expect(p.amount(2, 123_456_789)).toBe('1.23456789');
    expect(p.balance({ kind: 'balance', account: 1, asset: 0, free: 1, locked: 2 })).toEqual({
      asset: 'BTC',
      free: '0.00000001',
      locked: '0.00000002',
    });
  });

  it('shows each side of a trade its own order, side, fee and maker flag', () => {
    const sides = presenter().tradeSides(
      {
        kind: 'trade',
        market: 0,
        tradeId: 9,
        price: 5_000_000,
        quantity: 1_000,
        quoteQty: 50_000_000_000,
        buyerOrderId: 3,
        sellerOrderId: 4,
        buyerAccount: 1,
        sellerAccount: 2,
        buyerIsMaker: true,
        buyerFee: 10_000,
        sellerFee: 50_000_000,
      },
      Date.UTC(2026, 0, 1),
    );
    expect(sides.map((s) => s.account)).toEqual([1, 2]);
    expect(sides[0]!.trade).toMatchObject({
      orderId: 3,
      side: 'BUY',
      commission: '0.00010000',
      commissionAsset: 'BTC',
      isMaker: true,
      qty: '0.01000',
      price: '50000.00',
      quoteQty: '500.00000000',
    });
    expect(sides[1]!.trade).toMatchObject({
      orderId: 4,
      side: 'SELL',
      commission: '0.50000000',
      commissionAsset: 'USDT',
      isMaker: false,
    });
  });

  it('makes one frozen view of an order event per time, shared by every use in its batch', () => {
    const p = presenter();
    const event: OrderEvent = {
      kind: 'order',
      market: 0,
      orderId: 7,
      account: 1,
      clientOrderId: 'bot-7',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      stp: 'NONE',
      status: 'NEW',
      price: 5_000_000,
      stopPrice: 0,
      quantity: 1_000,
      executed: 0,
      cumQuote: 0,
      quoteOrderQty: 0,
      reason: null,
      placedAt: Date.UTC(2026, 0, 1),
    };
    const at = Date.UTC(2026, 0, 1, 0, 0, 1);
    const view = p.order(event, at);
    expect(view).toMatchObject({ orderId: 7, price: '50000.00', origQty: '0.01000', status: 'NEW' });
    expect(p.order(event, at)).toBe(view);
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => {
      (view as { status: string }).status = 'FILLED';
    }).toThrow(TypeError);
    // Another time is another view; another event with the same fields is another view.
    expect(p.order(event, at + 1)).toMatchObject({ updateTime: '2026-01-01T00:00:01.001Z' });
    expect(p.order({ ...event, status: 'CANCELED' }, at)).toMatchObject({ status: 'CANCELED' });
    expect(p.order(event, at)).toMatchObject({ status: 'NEW', updateTime: '2026-01-01T00:00:01.000Z' });
  });
});
