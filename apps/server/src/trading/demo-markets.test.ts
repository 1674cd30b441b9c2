import { describe, expect, it } from 'vitest';
import { Engine } from '@lockstep/engine';
import { demoAssets, demoMarkets } from './demo-markets.ts';

describe('demo markets', () => {
  it('load into the engine: every bound proven exact', () => {
    const engine = new Engine({ feeAccountId: 0 });
    for (const asset of demoAssets) engine.addAsset(asset);
    for (const market of demoMarkets) engine.addMarket(market);
    expect(demoMarkets.map((m) => engine.marketId(m.symbol))).toEqual([0, 1, 2]);
  });
});
