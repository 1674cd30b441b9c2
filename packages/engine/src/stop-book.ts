import type { Account } from './account.ts';
import { invariantBroken } from './assert.ts';
import type { PlaceOrderCommand } from './commands.ts';
import type { Core } from './core.ts';
import { writeOrder } from './event-writer.ts';
import type { Market } from './market.ts';
import { matchTaker } from './matching.ts';
import { registerOpen, reservationOf, unregisterOpen } from './open-orders.ts';
import { isLimitPriced, OrderStatus, Side, TimeInForce, triggersOnRise } from './order-enums.ts';
import { freeOf, newOrder } from './place-order.ts';
import { Result } from './result-codes.ts';
import { simulateTake } from './simulate-take.ts';
import { finishTaker } from './taker.ts';

/**
 * Stop orders (STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT), triggered by the last
 * trade price as on Binance. A waiting stop holds its funds locked like an open order (a stop-market
 * buy at its stop price) and sits in one of two lists kept sorted by trigger order. After a command
 * trades, every stop whose trigger price lies within the command's trade-price range fires, in
 * order-id order; their own trades may fire more, until none is left to fire.
 */
export function placeStop(core: Core, market: Market, account: Account, cmd: PlaceOrderCommand): number {
  const rises = triggersOnRise(cmd.type, cmd.side);
  const last = market.lastPrice;
  if (last > 0 && (rises ? last >= cmd.stopPrice : last <= cmd.stopPrice))
    return Result.WOULD_TRIGGER_IMMEDIATELY;
  const buy = cmd.side === Side.BUY;
  const price = isLimitPriced(cmd.type) ? cmd.price : cmd.stopPrice;
  const reserve = buy ? cmd.quantity * price * market.quotePerTickLot : cmd.quantity * market.lotUnits;
  if (freeOf(core, account, buy ? market.quote : market.base) < reserve) return Result.INSUFFICIENT_BALANCE;
  const slot = newOrder(core, market, account, cmd, reserve);
  registerOpen(core, account, slot);
  insertStop(core, market, slot);
  core.takerLocked = 0;
  writeOrder(core, slot, 0);
  return Result.OK;
}

/** Puts a waiting stop into its trigger list after every stop with the same trigger price. */
export function insertStop(core: Core, market: Market, slot: number): void {
  const o = core.orders;
  const rises = triggersOnRise(o.type(slot), o.side(slot));
  const list = rises ? market.stopsRise : market.stopsFall;
  const stopPrice = o.stopPrice(slot);
  let index = list.length;
  while (index > 0) {
    const before = o.stopPrice(list[index - 1]!);
    if (rises ? before <= stopPrice : before >= stopPrice) break;
    index--;
  }
  list.splice(index, 0, slot);
}

/** Takes a waiting stop out of its trigger list. */
export function removeStop(core: Core, market: Market, slot: number): void {
  const o = core.orders;
  const list = triggersOnRise(o.type(slot), o.side(slot)) ? market.stopsRise : market.stopsFall;
  const index = list.indexOf(slot);
  if (!(index >= 0)) invariantBroken('stop is not in its trigger list');
  list.splice(index, 1);
}

/** Fires the stops the last command's trades reached, repeating while fired stops trade. */
export function triggerStops(core: Core, market: Market): void {
  const o = core.orders;
  while (market.tradeHigh !== 0) {
    const high = market.tradeHigh;
    const low = market.tradeLow;
    market.tradeHigh = 0;
    market.tradeLow = 0;
    if (market.stopsRise.length === 0 && market.stopsFall.length === 0) return;
    let rising = 0;
    while (rising < market.stopsRise.length && o.stopPrice(market.stopsRise[rising]!) <= high) rising++;
    let falling = 0;
    while (falling < market.stopsFall.length && o.stopPrice(market.stopsFall[falling]!) >= low) falling++;
    if (rising + falling === 0) return;
    const fired = market.stopsRise.splice(0, rising).concat(market.stopsFall.splice(0, falling));
    fired.sort((a, b) => o.id(a) - o.id(b));
    for (const slot of fired) activateStop(core, market, slot);
  }
}

/** Turns a fired stop into the order it stands for and runs it as a taker. */
function activateStop(core: Core, market: Market, slot: number): void {
  const o = core.orders;
  const account = core.accountList[o.account(slot)]!;
  const quantity = o.quantity(slot);
  core.takerLocked = reservationOf(core, market, slot);
  if (isLimitPriced(o.type(slot))) {
    const opposite = o.side(slot) === Side.BUY ? market.asks : market.bids;
    const limitKey = opposite.sign * o.price(slot);
    const tif = o.tif(slot);
    if (tif === TimeInForce.FOK) {
      simulateTake(core, market, o.side(slot), limitKey, quantity, Infinity, account.index, o.stp(slot));
      if (core.simLots < quantity) {
        finishTaker(core, market, account, slot, 0, false, false);
        return;
      }
    }
    const stop = matchTaker(core, market, slot, limitKey, quantity, Infinity);
    finishTaker(core, market, account, slot, stop, tif === TimeInForce.GTC, false);
    return;
  }
  if (o.side(slot) === Side.BUY && !relockMarketBuy(core, market, account, slot)) return;
  const stop = matchTaker(core, market, slot, -Infinity, quantity, Infinity);
  finishTaker(core, market, account, slot, stop, false, false);
}

/**
 * A fired stop-market buy swaps its stop-price reservation for the exact cost the book quotes now;
 * when the account cannot pay it, the order ends REJECTED with reason INSUFFICIENT_BALANCE.
 */
function relockMarketBuy(core: Core, market: Market, account: Account, slot: number): boolean {
  const o = core.orders;
  const b = core.balances;
  const quoteSlot = o.quoteSlot(slot);
  b.locked[quoteSlot]! -= core.takerLocked;
  b.free[quoteSlot]! += core.takerLocked;
  b.touch(quoteSlot);
  core.takerLocked = 0;
  simulateTake(core, market, Side.BUY, -Infinity, o.quantity(slot), Infinity, account.index, o.stp(slot));
  if (core.simQuote > b.free[quoteSlot]!) {
    o.setStatus(slot, OrderStatus.REJECTED);
    writeOrder(core, slot, Result.INSUFFICIENT_BALANCE);
    unregisterOpen(core, account, slot);
    o.release(slot);
    return false;
  }
  b.free[quoteSlot]! -= core.simQuote;
  b.locked[quoteSlot]! += core.simQuote;
  core.takerLocked = core.simQuote;
  return true;
}
