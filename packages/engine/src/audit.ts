import { isLimitPriced, OrderStatus, Side } from './order-enums.ts';
import { Market } from './market.ts';
import type { EngineSnapshot, OrderSnapshot } from './snapshot.ts';

/** What the auditor found: `ok` when `problems` is empty. */
export interface AuditReport {
  ok: boolean;
  problems: string[];
}

/** Problems reported at most; past this the state is broken enough. */
export const auditProblemsMax = 100;

/**
 * The independent auditor (C3). Over an exported state it checks that every balance is a
 * non-negative safe integer, that per asset the sum of all balances (fees included) equals
 * deposits minus completed withdrawals, that every locked amount equals exactly what the
 * account's open orders and pending withdrawals hold, and that no book is crossed.
 */
export function audit(snapshot: EngineSnapshot): AuditReport {
  const problems: string[] = [];
  const report = (message: string): void => {
    if (problems.length < auditProblemsMax) problems.push(message);
  };
  const assetIndex = new Map(snapshot.assets.map((asset, index) => [asset.code, index]));
  const markets = snapshot.markets.map(
    (saved, index) => new Market(index, saved.config, snapshot.assets, assetIndex),
  );
  const expectedLocked = new Map<string, number>();
  const addLocked = (account: number, asset: number, amount: number): void => {
    const key = `${account}:${asset}`;
    expectedLocked.set(key, (expectedLocked.get(key) ?? 0) + amount);
  };
  for (const order of snapshot.book) checkOrder(order, markets, true, addLocked, report);
  for (const order of snapshot.stops) checkOrder(order, markets, false, addLocked, report);
  for (const w of snapshot.withdrawals) addLocked(w.account, w.asset, w.amount + w.fee);
  checkBalances(snapshot, expectedLocked, report);
  checkBooks(snapshot, markets.length, report);
  return { ok: problems.length === 0, problems };
}

function checkOrder(
  order: OrderSnapshot,
  markets: Market[],
  resting: boolean,
  addLocked: (account: number, asset: number, amount: number) => void,
  report: (message: string) => void,
): void {
  const market = markets[order.market];
  if (market === undefined) return report(`order ${order.id} is on unknown market ${order.market}`);
  const remaining = order.quantity - order.executed;
  if (!(remaining > 0 && order.executed >= 0)) report(`order ${order.id} has no remaining quantity`);
  if (order.status !== OrderStatus.NEW && order.status !== OrderStatus.PARTIALLY_FILLED) {
    report(`open order ${order.id} has final status ${order.status}`);
  }
  if (!resting && order.executed !== 0) report(`waiting stop ${order.id} has executed quantity`);
  if (order.side === Side.SELL) return addLocked(order.account, market.base, remaining * market.lotUnits);
  const price = resting || isLimitPriced(order.type) ? order.price : order.stopPrice;
  addLocked(order.account, market.quote, remaining * price * market.quotePerTickLot);
}

function checkBalances(
  snapshot: EngineSnapshot,
  expectedLocked: Map<string, number>,
  report: (message: string) => void,
): void {
  const totals = snapshot.assets.map(() => 0);
  for (const balance of snapshot.balances) {
    const where = `account ${balance.account} asset ${balance.asset}`;
    if (!Number.isSafeInteger(balance.free) || balance.free < 0) report(`${where}: bad free ${balance.free}`);
    if (!Number.isSafeInteger(balance.locked) || balance.locked < 0)
      report(`${where}: bad locked ${balance.locked}`);
    totals[balance.asset]! += balance.free + balance.locked;
    const key = `${balance.account}:${balance.asset}`;
    const expected = expectedLocked.get(key) ?? 0;
    if (balance.locked !== expected)
      report(`${where}: locked ${balance.locked} but open orders hold ${expected}`);
    expectedLocked.delete(key);
  }
  for (const [key, amount] of expectedLocked) {
    if (amount !== 0) report(`account:asset ${key}: open orders hold ${amount} but nothing is locked`);
  }
  totals.forEach((total, asset) => {
    const net = snapshot.externalNet[asset] ?? 0;
    if (!Number.isSafeInteger(total) || total !== net) {
      report(`asset ${asset}: balances sum to ${total} but external inflow minus outflow is ${net}`);
    }
  });
}

function checkBooks(snapshot: EngineSnapshot, marketCount: number, report: (message: string) => void): void {
  const bestBid: number[] = new Array<number>(marketCount).fill(0);
  const bestAsk: number[] = new Array<number>(marketCount).fill(Infinity);
  const lastPrice: number[] = new Array<number>(marketCount * 2).fill(NaN);
  for (const order of snapshot.book) {
    const key = order.market * 2 + order.side;
    const previous = lastPrice[key]!;
    const worse = order.side === Side.BUY ? order.price > previous : order.price < previous;
    if (worse)
      report(`book of market ${order.market} side ${order.side} is out of price order at ${order.id}`);
    lastPrice[key] = order.price;
    if (order.side === Side.BUY) bestBid[order.market] = Math.max(bestBid[order.market]!, order.price);
    else bestAsk[order.market] = Math.min(bestAsk[order.market]!, order.price);
  }
  for (let market = 0; market < marketCount; market++) {
    if (bestBid[market]! >= bestAsk[market]!) report(`book of market ${market} is crossed`);
  }
}
