import type { Account } from './account.ts';
import { invariantBroken } from './assert.ts';
import type { Core } from './core.ts';
import type { Market } from './market.ts';
import { isLimitPriced, Side } from './order-enums.ts';

/** Makes an order findable by id and client order id and links it into its account's list. */
export function registerOpen(core: Core, account: Account, slot: number): void {
  const o = core.orders;
  if (o.open(slot) !== 0) invariantBroken('order is already open');
  o.setOpen(slot, 1);
  core.orderSlots.set(o.id(slot), slot);
  const clientOrderId = o.clientOrderId[slot]!;
  if (clientOrderId !== '') {
    if (account.clientIds === null) account.clientIds = new Map();
    account.clientIds.set(clientOrderId, slot);
  }
  const tail = account.openTail;
  o.setAccountPrev(slot, tail);
  o.setAccountNext(slot, -1);
  if (tail === -1) account.openHead = slot;
  else o.setAccountNext(tail, slot);
  account.openTail = slot;
  account.openCount++;
}

/** Reverses `registerOpen` when an order reaches a final status. */
export function unregisterOpen(core: Core, account: Account, slot: number): void {
  const o = core.orders;
  if (o.open(slot) !== 1) invariantBroken('order is not open');
  o.setOpen(slot, 0);
  core.orderSlots.delete(o.id(slot));
  const clientOrderId = o.clientOrderId[slot]!;
  if (clientOrderId !== '') account.clientIds!.delete(clientOrderId);
  const prev = o.accountPrev(slot);
  const next = o.accountNext(slot);
  if (prev === -1) account.openHead = next;
  else o.setAccountNext(prev, next);
  if (next === -1) account.openTail = prev;
  else o.setAccountPrev(next, prev);
  account.openCount--;
}

/**
 * What an open order holds locked: a buy holds its remaining quantity at its limit price (a
 * waiting stop-market buy at its stop price), a sell holds its remaining base quantity.
 */
export function reservationOf(core: Core, market: Market, slot: number): number {
  const o = core.orders;
  const remaining = o.quantity(slot) - o.executed(slot);
  if (o.side(slot) === Side.SELL) return remaining * market.lotUnits;
  const price = isLimitPriced(o.type(slot)) ? o.price(slot) : o.stopPrice(slot);
  return remaining * price * market.quotePerTickLot;
}

/** The balance slot an order locks: quote for buys, base for sells. */
export function lockedSlotOf(core: Core, slot: number): number {
  const o = core.orders;
  return o.side(slot) === Side.BUY ? o.quoteSlot(slot) : o.baseSlot(slot);
}
