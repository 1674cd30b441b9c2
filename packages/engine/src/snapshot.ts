import type { EngineOptions, OpenWithdrawal } from './core.ts';
import type { AssetConfig, MarketConfig } from './market.ts';

/**
 * The engine's full state as plain JSON-able data: what a restart rebuilds from, what `audit`
 * checks, and what `stateHash` hashes. Everything is canonical (ordered, zero balances left out),
 * so two engines in the same logical state export byte-identical JSON.
 */
export interface EngineSnapshot {
  version: 1;
  options: EngineOptions;
  assets: AssetConfig[];
  markets: MarketSnapshot[];
  nextOrderId: number;
  nextWithdrawalId: number;
  /** Deposits minus completed withdrawals, per asset index. */
  externalNet: number[];
  /** Non-zero balances, ordered by account id then asset index. */
  balances: BalanceSnapshot[];
  /** Resting orders: per market, bids best first then asks best first, FIFO within a price. */
  book: OrderSnapshot[];
  /** Waiting stop orders: per market, in trigger order (rising list, then falling list). */
  stops: OrderSnapshot[];
  /** Open withdrawals by id. */
  withdrawals: OpenWithdrawal[];
  /** Credited deposit transaction ids, in credit order. */
  depositTxIds: string[];
}

/** A market's configuration and its per-symbol counters. */
export interface MarketSnapshot {
  config: MarketConfig;
  updateId: number;
  nextTradeId: number;
  lastPrice: number;
}

/** One (account, asset) balance. */
export interface BalanceSnapshot {
  account: number;
  asset: number;
  free: number;
  locked: number;
}

/** An open order's full state; enums are the engine's numbers (see order-enums.ts). */
export interface OrderSnapshot {
  id: number;
  account: number;
  market: number;
  side: number;
  type: number;
  timeInForce: number;
  stp: number;
  status: number;
  price: number;
  stopPrice: number;
  quantity: number;
  executed: number;
  cumQuote: number;
  quoteOrderQty: number;
  clientOrderId: string;
}
