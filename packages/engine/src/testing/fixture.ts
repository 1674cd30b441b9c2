import type { Command } from '../commands.ts';
import { Engine } from '../engine.ts';
import { decodeEvents, type EngineEvent } from '../event-decode.ts';
import type { AssetConfig, MarketConfig } from '../market.ts';
import { resultName, type ResultName } from '../result-codes.ts';

/** Test assets: USDT and BTC with 8 decimals, ETH with 8. */
export const testAssets: AssetConfig[] = [
  { code: 'USDT', decimals: 8 },
  { code: 'BTC', decimals: 8 },
  { code: 'ETH', decimals: 8 },
];

/** Asset indexes of testAssets. */
export const USDT = 0;
export const BTC = 1;
export const ETH = 2;

/**
 * Test markets with coarse ticks and lots so that amounts stay readable: on BTCUSDT one tick is
 * 1 USDT and one lot 0.01 BTC (1 lot at 1 tick = 0.01 USDT = 10^6 units); on ETHBTC one tick is
 * 0.0001 BTC and one lot 0.1 ETH.
 */
export const testMarkets: MarketConfig[] = [
  {
    symbol: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '1',
    stepSize: '0.01',
    minPrice: '1',
    maxPrice: '100000',
    minQty: '0.01',
    maxQty: '10',
    marketMaxQty: '5',
    minNotional: '0.05',
    makerFeePpm: 1000,
    takerFeePpm: 2000,
  },
  {
    symbol: 'ETHBTC',
    base: 'ETH',
    quote: 'BTC',
    tickSize: '0.0001',
    stepSize: '0.1',
    minPrice: '0.0001',
    maxPrice: '100',
    minQty: '0.1',
    maxQty: '10000',
    minNotional: '0.00001',
    makerFeePpm: 0,
    takerFeePpm: 750,
  },
];

/** Market indexes of testMarkets. */
export const BTCUSDT = 0;
export const ETHBTC = 1;

/** A fresh engine with the test assets and markets (fee account 0). */
export function testEngine(openOrdersPerAccountMax = 200): Engine {
  const engine = new Engine({ feeAccountId: 0, openOrdersPerAccountMax, ordersInitial: 16 });
  for (const asset of testAssets) engine.addAsset(asset);
  for (const market of testMarkets) engine.addMarket(market);
  return engine;
}

/** The outcome of one command in a test: its result name and decoded events. */
export interface Step {
  result: ResultName;
  events: EngineEvent[];
}

/** Runs a command, decodes and clears its events. */
export function step(engine: Engine, command: Command): Step {
  const code = engine.execute(command);
  const events = decodeEvents(engine.events);
  engine.events.clear();
  return { result: resultName(code), events };
}

/** Credits a deposit with a unique transaction id. */
export function fund(engine: Engine, account: number, asset: number, amount: number): void {
  const txId = `fund-${account}-${asset}-${amount}-${engine.exportState().depositTxIds.length}`;
  const outcome = step(engine, { kind: 'deposit', account, asset, amount, txId });
  if (outcome.result !== 'OK') throw new Error(`funding failed: ${outcome.result}`);
}

/** The events of one kind from a step. */
export function eventsOf<K extends EngineEvent['kind']>(
  outcome: Step,
  kind: K,
): Extract<EngineEvent, { kind: K }>[] {
  return outcome.events.filter((event): event is Extract<EngineEvent, { kind: K }> => event.kind === kind);
}
