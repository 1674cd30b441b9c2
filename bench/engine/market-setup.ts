import { Engine, type MarketConfig } from '@lockstep/engine';

/** Accounts trading in the benchmark. */
export const accountsTotal = 1000;
/** The price the book is seeded around, in ticks (1000.00 USDT at tick 0.01). */
export const midTicks = 100_000;

const market: MarketConfig = {
  symbol: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  stepSize: '0.001',
  minPrice: '0.01',
  maxPrice: '10000',
  minQty: '0.001',
  maxQty: '1000',
  minNotional: '0.1',
  makerFeePpm: 1000,
  takerFeePpm: 1000,
};

/**
 * A Lockstep engine with one market and every account funded so that no command of the workload
 * is rejected for balance: both engines must do the same work, and the peer has no ledger.
 */
export function fundedEngine(): Engine {
  const engine = new Engine({ openOrdersPerAccountMax: 1000, ordersInitial: 1 << 15 });
  const usdt = engine.addAsset({ code: 'USDT', decimals: 8 });
  const btc = engine.addAsset({ code: 'BTC', decimals: 8 });
  engine.addMarket(market);
  for (let account = 1; account <= accountsTotal; account++) {
    engine.execute({ kind: 'deposit', account, asset: usdt, amount: 5_000_000_000_000, txId: `u${account}` });
    engine.execute({ kind: 'deposit', account, asset: btc, amount: 1_000_000_000_000, txId: `b${account}` });
  }
  engine.events.clear();
  return engine;
}
