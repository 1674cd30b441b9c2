import { cancelAllOnMarket } from './cancel.ts';
import { placeOrder } from './commands.ts';
import type { ClosePositionCommand } from './commands.ts';
import { accountOf, type Core } from './core.ts';
import { OrderType, Side, StpMode } from './order-enums.ts';
import { freeOf, placeOrder as executePlaceOrder } from './place-order.ts';
import { Result } from './result-codes.ts';

/**
 * One-click close (C6): cancels the account's open orders on the market, which frees the base
 * they held, then sells the whole free base holding (whole lots, at most the market-order maximum)
 * with one MARKET order. Base locked elsewhere (another market's orders, a pending withdrawal)
 * stays untouched. The market order's id is left in `lastOrderId`.
 */
export function closePosition(core: Core, cmd: ClosePositionCommand): number {
  const market = core.markets[cmd.market];
  if (market === undefined) return Result.UNKNOWN_SYMBOL;
  const account = accountOf(core, cmd.account, false);
  if (account === undefined) return Result.NOTHING_TO_CLOSE;
  const cancelled = cancelAllOnMarket(core, market, account);
  const lots = Math.min(
    Math.floor(freeOf(core, account, market.base) / market.lotUnits),
    market.marketMaxLots,
  );
  core.lastOrderId = 0;
  if (lots < market.marketMinLots || lots === 0) return cancelled > 0 ? Result.OK : Result.NOTHING_TO_CLOSE;
  const sell = placeOrder({
    account: cmd.account,
    market: cmd.market,
    side: Side.SELL,
    type: OrderType.MARKET,
    quantity: lots,
    stp: StpMode.NONE,
  });
  return executePlaceOrder(core, sell);
}
