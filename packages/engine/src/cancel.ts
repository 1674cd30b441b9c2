import type { Account } from './account.ts';
import type { CancelAllCommand, CancelOrderCommand } from './commands.ts';
import { accountOf, type Core } from './core.ts';
import type { Market } from './market.ts';
import { closeOpenOrder } from './order-close.ts';
import { OrderStatus } from './order-enums.ts';
import { Result } from './result-codes.ts';

/** Cancels one open order of the account on the market, by order id or client order id. */
export function cancelOrder(core: Core, cmd: CancelOrderCommand): number {
  const market = core.markets[cmd.market];
  if (market === undefined) return Result.UNKNOWN_SYMBOL;
  const account = accountOf(core, cmd.account, false);
  if (account === undefined) return Result.UNKNOWN_ORDER;
  const slot =
    cmd.orderId !== 0 ? core.orderSlots.get(cmd.orderId) : (account.clientIds?.get(cmd.clientOrderId) ?? -1);
  const o = core.orders;
  if (slot < 0 || o.account(slot) !== account.index || o.market(slot) !== market.index) {
    return Result.UNKNOWN_ORDER;
  }
  core.lastOrderId = o.id(slot);
  closeOpenOrder(core, market, slot, OrderStatus.CANCELED);
  return Result.OK;
}

/** Cancels every open order (resting and waiting stops) of the account on the market. */
export function cancelAll(core: Core, cmd: CancelAllCommand): number {
  const market = core.markets[cmd.market];
  if (market === undefined) return Result.UNKNOWN_SYMBOL;
  const account = accountOf(core, cmd.account, false);
  if (account === undefined) return Result.UNKNOWN_ORDER;
  return cancelAllOnMarket(core, market, account) > 0 ? Result.OK : Result.UNKNOWN_ORDER;
}

/** Cancels the account's open orders on one market in placement order; returns how many. */
export function cancelAllOnMarket(core: Core, market: Market, account: Account): number {
  const o = core.orders;
  let cancelled = 0;
  let slot = account.openHead;
  // Bounded by the account's open orders, which openOrdersPerAccountMax bounds.
  while (slot !== -1) {
    const next = o.accountNext(slot);
    if (o.market(slot) === market.index) {
      closeOpenOrder(core, market, slot, OrderStatus.CANCELED);
      cancelled++;
    }
    slot = next;
  }
  return cancelled;
}
