import { assert } from './assert.ts';
import { addToLevel } from './book-ops.ts';
import { accountOf, balanceSlot, type Core } from './core.ts';
import { registerOpen } from './open-orders.ts';
import type { EngineSnapshot, OrderSnapshot } from './snapshot.ts';
import { triggersOnRise } from './order-enums.ts';

/**
 * Restores counters, balances, open orders, withdrawals and deposit ids into a core that already
 * has the snapshot's assets and markets. Resting orders are appended in snapshot order, which
 * rebuilds each price level's FIFO exactly; orders are registered in id order, which is the order
 * they were placed in, so per-account lists (cancel-all order) come back the same too.
 */
export function importState(core: Core, snapshot: EngineSnapshot): void {
  core.nextOrderId = snapshot.nextOrderId;
  core.nextWithdrawalId = snapshot.nextWithdrawalId;
  snapshot.externalNet.forEach((net, asset) => (core.externalNet[asset] = net));
  snapshot.markets.forEach((saved, index) => {
    const market = core.markets[index]!;
    market.updateId = saved.updateId;
    market.nextTradeId = saved.nextTradeId;
    market.lastPrice = saved.lastPrice;
  });
  for (const balance of snapshot.balances) {
    const account = accountOf(core, balance.account, true)!;
    const slot = balanceSlot(core, account, balance.asset);
    core.balances.free[slot] = balance.free;
    core.balances.locked[slot] = balance.locked;
  }
  const slots = new Map<number, number>();
  for (const order of snapshot.book) {
    const slot = restoreOrder(core, order);
    addToLevel(core, core.markets[order.market]!, slot);
    // Import is not a command: forget the depth it touched instead of letting the list grow.
    core.depthCount = 0;
    slots.set(order.id, slot);
  }
  for (const order of snapshot.stops) {
    const slot = restoreOrder(core, order);
    const market = core.markets[order.market]!;
    (triggersOnRise(order.type, order.side) ? market.stopsRise : market.stopsFall).push(slot);
    slots.set(order.id, slot);
  }
  const ids = [...slots.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const slot = slots.get(id)!;
    registerOpen(core, core.accountList[core.orders.account(slot)]!, slot);
  }
  for (const withdrawal of snapshot.withdrawals) core.withdrawals.set(withdrawal.id, { ...withdrawal });
  for (const txId of snapshot.depositTxIds) core.depositTxIds.add(txId);
}

function restoreOrder(core: Core, order: OrderSnapshot): number {
  const o = core.orders;
  const market = core.markets[order.market];
  assert(market !== undefined, 'snapshot order on an unknown market');
  assert(order.id < core.nextOrderId, 'snapshot order id beyond the id counter');
  const account = accountOf(core, order.account, true)!;
  const slot = o.allocate();
  o.setId(slot, order.id);
  o.setAccount(slot, account.index);
  o.setAccountId(slot, account.id);
  o.setMarket(slot, order.market);
  o.setSide(slot, order.side);
  o.setType(slot, order.type);
  o.setTif(slot, order.timeInForce);
  o.setStp(slot, order.stp);
  o.setStatus(slot, order.status);
  o.setPrice(slot, order.price);
  o.setStopPrice(slot, order.stopPrice);
  o.setQuantity(slot, order.quantity);
  o.setExecuted(slot, order.executed);
  o.setCumQuote(slot, order.cumQuote);
  o.setQuoteOrderQty(slot, order.quoteOrderQty);
  o.clientOrderId[slot] = order.clientOrderId;
  o.setBaseSlot(slot, balanceSlot(core, account, market.base));
  o.setQuoteSlot(slot, balanceSlot(core, account, market.quote));
  return slot;
}
