import { Engine, type AssetConfig, type MarketConfig } from '@lockstep/engine';

/** The assets `npm start` ships, with Binance's precisions. */
export const demoAssets: readonly AssetConfig[] = [
  { code: 'BTC', decimals: 8 },
  { code: 'ETH', decimals: 8 },
  { code: 'USDT', decimals: 8 },
];

/**
 * The markets `npm start` ships (C1). Filters follow Binance's; maximum order sizes are chosen so
 * that price × quantity stays an exact integer (the engine proves the bound when it loads them).
 */
export const demoMarkets: readonly MarketConfig[] = [
  {
    symbol: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    stepSize: '0.00001',
    minPrice: '0.01',
    maxPrice: '1000000',
    minQty: '0.00001',
    maxQty: '90',
    minNotional: '5',
    makerFeePpm: 1000,
    takerFeePpm: 1000,
  },
  {
    symbol: 'ETHUSDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: '0.01',
    stepSize: '0.0001',
    minPrice: '0.01',
    maxPrice: '100000',
    minQty: '0.0001',
    maxQty: '900',
    minNotional: '5',
    makerFeePpm: 1000,
    takerFeePpm: 1000,
  },
  {
    symbol: 'ETHBTC',
    base: 'ETH',
    quote: 'BTC',
    tickSize: '0.00001',
    stepSize: '0.001',
    minPrice: '0.00001',
    maxPrice: '100',
    minQty: '0.001',
    maxQty: '9000',
    minNotional: '0.0001',
    makerFeePpm: 1000,
    takerFeePpm: 1000,
  },
];

/** An empty engine holding the demo assets and markets, for reading their configuration. */
export function demoLayout(feeAccountId: number): Engine {
  const engine = new Engine({ feeAccountId });
  for (const asset of demoAssets) engine.addAsset(asset);
  for (const market of demoMarkets) engine.addMarket(market);
  return engine;
}
