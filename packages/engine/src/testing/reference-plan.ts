/**
 * The reference's matching, written to be obviously correct rather than fast: resting orders of a
 * side are a plain array, re-sorted into priority order (best price, then lowest id) on every
 * insert, and a taker's outcome is first computed as a plan (a list of fills and self-trade
 * expiries) over that array without changing anything. Simulations read the plan; execution
 * applies it.
 */

/** A resting order as the reference keeps it. */
export interface RefOrder {
  id: number;
  account: number;
  market: number;
  side: number;
  type: number;
  timeInForce: number;
  stp: number;
  status: number;
  price: number;
  quantity: number;
  executed: number;
  cumQuote: number;
  quoteOrderQty: number;
  clientOrderId: string;
}

/** One step of a plan. */
export type PlanStep = { kind: 'fill'; maker: RefOrder; lots: number } | { kind: 'expire'; maker: RefOrder };

/** What a taker would do against a book side. */
export interface Plan {
  steps: PlanStep[];
  lots: number;
  quote: number;
  stop: 'done' | 'selfTrade' | 'budget';
  budgetLeft: number;
}

/** The taker's parameters for planning. */
export interface PlanTaker {
  account: number;
  side: number;
  stp: number;
  /** Limit price in ticks, or null for market orders. */
  limitPrice: number | null;
  lots: number;
  budget: number;
}

/** Sorts a side's orders best first: buys by price descending, sells ascending, then by id. */
export function sortSide(orders: RefOrder[]): void {
  orders.sort((a, b) => (a.side === 0 ? b.price - a.price : a.price - b.price) || a.id - b.id);
}

/** Computes what a taker would do against `opposite` (sorted best first), changing nothing. */
export function plan(opposite: RefOrder[], taker: PlanTaker, quotePerTickLot: number): Plan {
  const steps: PlanStep[] = [];
  let remaining = taker.lots;
  let budget = taker.budget;
  let lots = 0;
  let quote = 0;
  for (const maker of opposite) {
    if (remaining === 0) break;
    if (taker.limitPrice !== null) {
      const crosses = taker.side === 0 ? maker.price <= taker.limitPrice : maker.price >= taker.limitPrice;
      if (!crosses) break;
    }
    if (taker.stp !== 0 && maker.account === taker.account) {
      if (taker.stp === 1) return { steps, lots, quote, stop: 'selfTrade', budgetLeft: budget };
      steps.push({ kind: 'expire', maker });
      if (taker.stp === 3) return { steps, lots, quote, stop: 'selfTrade', budgetLeft: budget };
      continue;
    }
    const take = Math.min(remaining, maker.quantity - maker.executed);
    const lotCost = maker.price * quotePerTickLot;
    if (budget !== Infinity) {
      // A quote budget ends the order at the first maker it cannot pay in full.
      const affordable = Math.floor(budget / lotCost);
      if (take >= affordable) {
        if (affordable > 0) steps.push({ kind: 'fill', maker, lots: affordable });
        budget -= affordable * lotCost;
        return {
          steps,
          lots: lots + affordable,
          quote: quote + affordable * lotCost,
          stop: 'budget',
          budgetLeft: budget,
        };
      }
      budget -= take * lotCost;
    }
    steps.push({ kind: 'fill', maker, lots: take });
    lots += take;
    quote += take * lotCost;
    remaining -= take;
  }
  return { steps, lots, quote, stop: 'done', budgetLeft: budget };
}
