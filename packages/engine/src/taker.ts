import type { Account } from './account.ts';
import { invariantBroken } from './assert.ts';
import { addToLevel } from './book-ops.ts';
import type { Core } from './core.ts';
import { writeOrder } from './event-writer.ts';
import type { Market } from './market.ts';
import { MatchStop } from './matching.ts';
import { lockedSlotOf, registerOpen, reservationOf, unregisterOpen } from './open-orders.ts';
import { OrderStatus } from './order-enums.ts';

/**
 * Settles a taker after matching: it rests (GTC with quantity left and no self-trade expiry) or
 * reaches a final status; whatever it locked beyond what a resting remainder holds goes back to
 * free; its state is emitted; a taker that does not rest gives its slot back.
 */
export function finishTaker(
  core: Core,
  market: Market,
  account: Account,
  taker: number,
  stop: number,
  canRest: boolean,
  byQuote: boolean,
): void {
  const o = core.orders;
  const b = core.balances;
  if (byQuote) o.setQuantity(taker, o.executed(taker));
  const executed = o.executed(taker);
  const remaining = o.quantity(taker) - executed;
  let status: number;
  let rests = false;
  if (stop === MatchStop.SELF_TRADE) status = OrderStatus.EXPIRED_IN_MATCH;
  else if (byQuote) {
    const spent = stop === MatchStop.BUDGET || core.budgetLeft === 0;
    status = executed > 0 && spent ? OrderStatus.FILLED : OrderStatus.EXPIRED;
  } else if (remaining === 0) status = OrderStatus.FILLED;
  else if (canRest) {
    rests = true;
    status = executed > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
  } else status = OrderStatus.EXPIRED;
  o.setStatus(taker, status);
  if (rests) {
    addToLevel(core, market, taker);
    if (o.open(taker) === 0) registerOpen(core, account, taker);
  }
  const keep = rests ? reservationOf(core, market, taker) : 0;
  const surplus = core.takerLocked - keep;
  if (!(surplus >= 0)) invariantBroken('taker holds less than its resting remainder needs');
  const lockedSlot = lockedSlotOf(core, taker);
  if (surplus > 0) {
    b.locked[lockedSlot]! -= surplus;
    b.free[lockedSlot]! += surplus;
    b.touch(lockedSlot);
  }
  core.takerLocked = 0;
  writeOrder(core, taker, 0);
  if (!rests) {
    if (o.open(taker) === 1) unregisterOpen(core, account, taker);
    o.release(taker);
  }
}
