import { describe, expect, it } from 'vitest';
import { Engine, OrderType, Side, TimeInForce } from '@lockstep/engine';
import { LockstepError, type PlaceOrderBody } from '@lockstep/protocol';
import { demoAssets, demoMarkets } from './demo-markets.ts';
import { placeOrderCommand } from './order-request.ts';

const engine = new Engine({ feeAccountId: 0 });
for (const asset of demoAssets) engine.addAsset(asset);
for (const market of demoMarkets) engine.addMarket(market);

function refusal(body: PlaceOrderBody): { code: string; field: string | undefined } {
  try {
    placeOrderCommand(engine, 7, body);
  } catch (error) {
    if (error instanceof LockstepError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('accepted');
}

const limit: PlaceOrderBody = {
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.01',
  price: '50000.01',
};

describe('placeOrderCommand', () => {
  it('turns decimal strings into exact ticks and lots', () => {
    expect(placeOrderCommand(engine, 7, limit)).toMatchObject({
      account: 7,
      market: 0,
      side: Side.BUY,
      type: OrderType.LIMIT,
      timeInForce: TimeInForce.GTC,
      price: 5_000_001,
      quantity: 1_000,
    });
    expect(
      placeOrderCommand(engine, 7, {
        symbol: 'ETHUSDT',
        side: 'SELL',
        type: 'MARKET',
        quoteOrderQty: '12.5',
      }),
    ).toMatchObject({ market: 1, quoteOrderQty: 1_250_000_000, quantity: 0, price: 0 });
  });

  it.each<[string, PlaceOrderBody, string, string | undefined]>([
    ['unknown symbol', { ...limit, symbol: 'DOGEUSDT' }, 'UNKNOWN_SYMBOL', 'symbol'],
    ['off-tick price', { ...limit, price: '50000.001' }, 'PRICE_FILTER', 'price'],
    ['off-step quantity', { ...limit, quantity: '0.000001' }, 'LOT_SIZE', 'quantity'],
    ['zero quantity', { ...limit, quantity: '0' }, 'VALIDATION_FAILED', 'quantity'],
    ['huge quantity', { ...limit, quantity: '99999999999999999999' }, 'VALIDATION_FAILED', 'quantity'],
    ['LIMIT without price', { ...limit, price: undefined }, 'VALIDATION_FAILED', 'price'],
    ['LIMIT without timeInForce', { ...limit, timeInForce: undefined }, 'VALIDATION_FAILED', 'timeInForce'],
    [
      'MARKET with a price',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', price: '1' },
      'VALIDATION_FAILED',
      'price',
    ],
    [
      'MARKET with both sizes',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', quoteOrderQty: '1' },
      'VALIDATION_FAILED',
      'quantity',
    ],
    [
      'quoteOrderQty on LIMIT',
      { ...limit, quantity: undefined, quoteOrderQty: '10' },
      'VALIDATION_FAILED',
      'quoteOrderQty',
    ],
    [
      'STOP_LOSS without stopPrice',
      { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS', quantity: '1' },
      'VALIDATION_FAILED',
      'stopPrice',
    ],
  ])('refuses %s', (_name, body, code, field) => {
    expect(refusal(body)).toEqual({ code, field });
  });
});
