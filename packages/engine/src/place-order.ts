import type { Account } from './account.ts';
import { addToLevel } from './book-ops.ts';
import type { PlaceOrderCommand } from './commands.ts';
import { accountOf, balanceSlot, type Core } from './core.ts';
import { writeOrder } from './event-writer.ts';
import type { Market } from './market.ts';
import { matchTaker } from './matching.ts';
import { registerOpen } from './open-orders.ts';
import { checkFilters, checkShape } from './order-filters.ts';
import { OrderStatus, OrderType, Side, TimeInForce, isStopType } from './order-enums.ts';
import { Result } from './result-codes.ts';
import { simulateTake } from './simulate-take.ts';
import { placeStop, triggerStops } from './stop-book.ts';
import { finishTaker } from './taker.ts';

/**
 * Places an order: validation first (nothing changes on a rejection), then the order gets an id,
 * locks what it may spend, matches, and rests or ends. Stops triggered by its trades run after it.
 */
export function placeOrder(core: Core, cmd: PlaceOrderCommand): number {
  const market = core.markets[cmd.market];
  if (market === undefined) return Result.UNKNOWN_SYMBOL;
  let code = checkShape(cmd);
  if (code !== Result.OK) return code;
  const account = accountOf(core, cmd.account, false);
  if (account !== undefined && cmd.clientOrderId !== '') {
    const existing = account.clientIds?.get(cmd.clientOrderId);
    if (existing !== undefined) {
      core.lastOrderId = core.orders.id(existing);
      return Result.DUPLICATE_CLIENT_ORDER_ID;
    }
  }
  code = checkFilters(market, cmd);
  if (code !== Result.OK) return code;
  if (account === undefined) return Result.INSUFFICIENT_BALANCE;
  const mayRest =
    cmd.type !== OrderType.MARKET &&
    (cmd.timeInForce === TimeInForce.GTC || cmd.type === OrderType.LIMIT_MAKER || isStopType(cmd.type));
  if (mayRest && account.openCount >= core.options.openOrdersPerAccountMax) return Result.MAX_OPEN_ORDERS;
  if (isStopType(cmd.type)) code = placeStop(core, market, account, cmd);
  else if (cmd.type === OrderType.MARKET) code = placeMarket(core, market, account, cmd);
  else code = placeLimit(core, market, account, cmd);
  if (code === Result.OK) triggerStops(core, market);
  return code;
}

/** Free balance of an account in an asset, 0 when it never held it. */
export function freeOf(core: Core, account: Account, asset: number): number {
  const slot = account.slots[asset]!;
  return slot < 0 ? 0 : core.balances.free[slot]!;
}

/** Creates the order in a fresh slot with its id and cached balance slots, and locks `reserve`. */
export function newOrder(
  core: Core,
  market: Market,
  account: Account,
  cmd: PlaceOrderCommand,
  reserve: number,
): number {
  const o = core.orders;
  const slot = o.allocate();
  o.setId(slot, core.nextOrderId++);
  o.setAccount(slot, account.index);
  o.setAccountId(slot, account.id);
  o.setMarket(slot, market.index);
  o.setSide(slot, cmd.side);
  o.setType(slot, cmd.type);
  o.setTif(
    slot,
    cmd.type === OrderType.MARKET || cmd.type === OrderType.LIMIT_MAKER ? TimeInForce.GTC : cmd.timeInForce,
  );
  o.setStp(slot, cmd.stp);
  o.setStatus(slot, OrderStatus.NEW);
  o.setPrice(slot, cmd.price);
  o.setStopPrice(slot, cmd.stopPrice);
  o.setQuantity(slot, cmd.quantity);
  o.setExecuted(slot, 0);
  o.setCumQuote(slot, 0);
  o.setQuoteOrderQty(slot, cmd.quoteOrderQty);
  o.clientOrderId[slot] = cmd.clientOrderId;
  o.setBaseSlot(slot, balanceSlot(core, account, market.base));
  o.setQuoteSlot(slot, balanceSlot(core, account, market.quote));
  const lockedSlot = cmd.side === Side.BUY ? o.quoteSlot(slot) : o.baseSlot(slot);
  core.balances.free[lockedSlot]! -= reserve;
  core.balances.locked[lockedSlot]! += reserve;
  core.balances.touch(lockedSlot);
  core.takerLocked = reserve;
  core.lastOrderId = o.id(slot);
  return slot;
}

function placeLimit(core: Core, market: Market, account: Account, cmd: PlaceOrderCommand): number {
  const opposite = cmd.side === Side.BUY ? market.asks : market.bids;
  const limitKey = opposite.sign * cmd.price;
  const crosses = opposite.size > 0 && opposite.keys[opposite.size - 1]! >= limitKey;
  if (cmd.type === OrderType.LIMIT_MAKER && crosses) return Result.WOULD_MATCH;
  const buy = cmd.side === Side.BUY;
  const reserve = buy ? cmd.price * cmd.quantity * market.quotePerTickLot : cmd.quantity * market.lotUnits;
  if (freeOf(core, account, buy ? market.quote : market.base) < reserve) return Result.INSUFFICIENT_BALANCE;
  if (cmd.timeInForce === TimeInForce.FOK && cmd.type === OrderType.LIMIT) {
    simulateTake(core, market, cmd.side, limitKey, cmd.quantity, Infinity, account.index, cmd.stp);
    if (core.simLots < cmd.quantity) return Result.FOK_NOT_FILLABLE;
  }
  const taker = newOrder(core, market, account, cmd, reserve);
  if (!crosses && (cmd.timeInForce === TimeInForce.GTC || cmd.type === OrderType.LIMIT_MAKER)) {
    // Nothing to match: rest at once (the common case for orders placed away from the spread).
    addToLevel(core, market, taker);
    registerOpen(core, account, taker);
    core.takerLocked = 0;
    writeOrder(core, taker, 0);
    return Result.OK;
  }
  const stop = matchTaker(core, market, taker, limitKey, cmd.quantity, Infinity);
  finishTaker(core, market, account, taker, stop, cmd.timeInForce === TimeInForce.GTC, false);
  return Result.OK;
}

/**
 * A market order. By quantity: a sell locks its base, a buy locks the exact cost the book quotes
 * now. By quote amount: a buy locks the amount, a sell locks the base the book says it will sell.
 * The simulation and the match walk the same book with the same rules, so the lock is exact.
 */
function placeMarket(core: Core, market: Market, account: Account, cmd: PlaceOrderCommand): number {
  const buy = cmd.side === Side.BUY;
  const byQuote = cmd.quoteOrderQty > 0;
  let reserve: number;
  if (buy && !byQuote) {
    simulateTake(core, market, cmd.side, -Infinity, cmd.quantity, Infinity, account.index, cmd.stp);
    reserve = core.simQuote;
  } else if (!buy && byQuote) {
    simulateTake(core, market, cmd.side, -Infinity, Infinity, cmd.quoteOrderQty, account.index, cmd.stp);
    reserve = core.simLots * market.lotUnits;
  } else reserve = buy ? cmd.quoteOrderQty : cmd.quantity * market.lotUnits;
  if (freeOf(core, account, buy ? market.quote : market.base) < reserve) return Result.INSUFFICIENT_BALANCE;
  const taker = newOrder(core, market, account, cmd, reserve);
  const lots = byQuote ? Infinity : cmd.quantity;
  const budget = byQuote ? cmd.quoteOrderQty : Infinity;
  const stop = matchTaker(core, market, taker, -Infinity, lots, budget);
  finishTaker(core, market, account, taker, stop, false, byQuote);
  return Result.OK;
}
