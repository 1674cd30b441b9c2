import { invariantBroken } from './assert.ts';
import { removeFromLevel } from './book-ops.ts';
import type { Core } from './core.ts';
import { writeOrder } from './event-writer.ts';
import type { Market } from './market.ts';
import { lockedSlotOf, reservationOf, unregisterOpen } from './open-orders.ts';
import { removeStop } from './stop-book.ts';

/**
 * Ends an open order that did not fill: a cancel, or an expiry by self-trade prevention. Its
 * reservation goes back from locked to free, its final state is emitted, and its slot is recycled.
 */
export function closeOpenOrder(core: Core, market: Market, slot: number, status: number): void {
  const o = core.orders;
  const b = core.balances;
  if (o.open(slot) !== 1) invariantBroken('closing an order that is not open');
  const reserved = reservationOf(core, market, slot);
  if (o.level(slot) >= 0) removeFromLevel(core, market, slot);
  else removeStop(core, market, slot);
  const lockedSlot = lockedSlotOf(core, slot);
  b.locked[lockedSlot]! -= reserved;
  b.free[lockedSlot]! += reserved;
  b.touch(lockedSlot);
  if (!(b.locked[lockedSlot]! >= 0)) invariantBroken('unlock took more than was locked');
  o.setStatus(slot, status);
  writeOrder(core, slot, 0);
  unregisterOpen(core, core.accountList[o.account(slot)]!, slot);
  o.release(slot);
}
