import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { MarketConfigError, type MarketConfig } from './market.ts';
import { testAssets, testMarkets } from './testing/fixture.ts';

function engineWithAssets(): Engine {
  const engine = new Engine();
  for (const asset of testAssets) engine.addAsset(asset);
  return engine;
}

const good = testMarkets[0]!;

describe('market configuration', () => {
  it('derives integer units: lot size in base units and the quote cost of one lot at one tick', () => {
    const engine = engineWithAssets();
    const market = engine.market(engine.addMarket(good))!;
    expect(market.lotUnits).toBe(1_000_000);
    expect(market.quotePerTickLot).toBe(1_000_000);
    expect([market.minPriceTicks, market.maxPriceTicks, market.minLots, market.maxLots]).toEqual([
      1, 100_000, 1, 1000,
    ]);
    expect([market.marketMaxLots, market.minNotional]).toEqual([500, 5_000_000]);
  });

  const bad: [string, Partial<MarketConfig>, RegExp][] = [
    ['price × quantity beyond 2^53', { maxPrice: '10000000', maxQty: '100000' }, /overflows/],
    ['a step finer than the base precision', { stepSize: '0.000000001' }, /finer than the asset precision/],
    [
      'a tick × step finer than the quote precision',
      { tickSize: '0.00001', stepSize: '0.00001' },
      /finer than the asset precision/,
    ],
    ['an off-tick maximum price', { maxPrice: '100.5' }, /maxPrice/],
    ['a minimum above the maximum', { minQty: '20', maxQty: '10' }, /minQty/],
    ['an unknown asset', { quote: 'DOGE' }, /unknown asset/],
    ['a fee rate above 100 %', { takerFeePpm: 1_000_001 }, /takerFeePpm/],
    ['a fractional fee rate', { makerFeePpm: 1.5 }, /makerFeePpm/],
    ['a zero tick', { tickSize: '0' }, /tickSize/],
    ['a minimum notional with too many decimals', { minNotional: '0.000000001' }, /minNotional/],
  ];
  for (const [what, change, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => engineWithAssets().addMarket({ ...good, ...change })).toThrow(MarketConfigError);
      expect(() => engineWithAssets().addMarket({ ...good, ...change })).toThrow(message);
    });
  }

  it('refuses duplicate symbols and assets', () => {
    const engine = engineWithAssets();
    engine.addMarket(good);
    expect(() => engine.addMarket(good)).toThrow(/exists/);
    expect(() => engine.addAsset({ code: 'BTC', decimals: 8 })).toThrow(/exists/);
    expect(() => engine.addAsset({ code: 'X', decimals: 19 })).toThrow(/decimals/);
  });
});
