import type { BookSide } from './book-side.ts';
import type { Core } from './core.ts';
import type { BalanceSnapshot, EngineSnapshot, OrderSnapshot } from './snapshot.ts';

/** Captures the engine's full state as a canonical snapshot. */
export function exportState(core: Core): EngineSnapshot {
  const book: OrderSnapshot[] = [];
  const stops: OrderSnapshot[] = [];
  for (const market of core.markets) {
    exportSide(core, market.bids, book);
    exportSide(core, market.asks, book);
    for (const slot of market.stopsRise) stops.push(orderSnapshot(core, slot));
    for (const slot of market.stopsFall) stops.push(orderSnapshot(core, slot));
  }
  return {
    version: 1,
    options: { ...core.options },
    assets: core.assets.map((asset) => ({ ...asset })),
    markets: core.markets.map((market) => ({
      config: { ...market.config },
      updateId: market.updateId,
      nextTradeId: market.nextTradeId,
      lastPrice: market.lastPrice,
    })),
    nextOrderId: core.nextOrderId,
    nextWithdrawalId: core.nextWithdrawalId,
    externalNet: [...core.externalNet],
    balances: exportBalances(core),
    book,
    stops,
    withdrawals: [...core.withdrawals.values()].sort((a, b) => a.id - b.id).map((w) => ({ ...w })),
    depositTxIds: [...core.depositTxIds],
  };
}

function exportSide(core: Core, side: BookSide, into: OrderSnapshot[]): void {
  for (let index = side.size - 1; index >= 0; index--) {
    for (let slot = core.levels.head[side.levels[index]!]!; slot !== -1; slot = core.orders.next(slot)) {
      into.push(orderSnapshot(core, slot));
    }
  }
}

function exportBalances(core: Core): BalanceSnapshot[] {
  const b = core.balances;
  const balances: BalanceSnapshot[] = [];
  for (let slot = 0; slot < b.size; slot++) {
    const free = b.free[slot]!;
    const locked = b.locked[slot]!;
    if (free === 0 && locked === 0) continue;
    balances.push({ account: b.accountId[slot]!, asset: b.asset[slot]!, free, locked });
  }
  return balances.sort((x, y) => x.account - y.account || x.asset - y.asset);
}

/** One order slot as snapshot data. */
export function orderSnapshot(core: Core, slot: number): OrderSnapshot {
  const o = core.orders;
  return {
    id: o.id(slot),
    account: o.accountId(slot),
    market: o.market(slot),
    side: o.side(slot),
    type: o.type(slot),
    timeInForce: o.tif(slot),
    stp: o.stp(slot),
    status: o.status(slot),
    price: o.price(slot),
    stopPrice: o.stopPrice(slot),
    quantity: o.quantity(slot),
    executed: o.executed(slot),
    cumQuote: o.cumQuote(slot),
    quoteOrderQty: o.quoteOrderQty(slot),
    clientOrderId: o.clientOrderId[slot]!,
  };
}
