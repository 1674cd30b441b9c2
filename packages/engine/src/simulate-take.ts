import type { Core } from './core.ts';
import type { Market } from './market.ts';
import { Side, StpMode } from './order-enums.ts';

/**
 * Walks the opposite side exactly as `matchTaker` would, without changing anything, and leaves in
 * `core.simLots` / `core.simQuote` the lots it would fill and their quote cost. The engine uses it
 * where a rule needs the outcome before committing: FOK fillability, the cost of a market buy by
 * quantity, and the base needed by a market sell by quote amount.
 */
export function simulateTake(
  core: Core,
  market: Market,
  side: number,
  limitKey: number,
  lotsWanted: number,
  quoteBudget: number,
  takerAccount: number,
  stp: number,
): void {
  const o = core.orders;
  const lv = core.levels;
  const opposite = side === Side.BUY ? market.asks : market.bids;
  let remaining = lotsWanted;
  let budget = quoteBudget;
  let lots = 0;
  let quote = 0;
  scan: for (let index = opposite.size - 1; index >= 0 && remaining > 0; index--) {
    if (opposite.keys[index]! < limitKey) break;
    const level = opposite.levels[index]!;
    const lotCost = lv.price[level]! * market.quotePerTickLot;
    if (stp === StpMode.NONE && budget === Infinity) {
      // Without self-trade prevention or a budget, the level total is all that matters.
      const take = Math.min(remaining, lv.quantity[level]!);
      lots += take;
      quote += take * lotCost;
      remaining -= take;
      continue;
    }
    for (let maker = lv.head[level]!; maker !== -1 && remaining > 0; maker = o.next(maker)) {
      if (stp !== StpMode.NONE && o.account(maker) === takerAccount) {
        if (stp === StpMode.EXPIRE_MAKER) continue;
        break scan;
      }
      let take = Math.min(remaining, o.quantity(maker) - o.executed(maker));
      let budgetBound = false;
      if (budget !== Infinity) {
        let affordable = Math.floor(budget / lotCost);
        if (affordable * lotCost > budget) affordable--;
        if (take >= affordable) {
          take = affordable;
          budgetBound = true;
        }
        budget -= take * lotCost;
      }
      lots += take;
      quote += take * lotCost;
      remaining -= take;
      if (budgetBound) break scan;
    }
  }
  core.simLots = lots;
  core.simQuote = quote;
}
