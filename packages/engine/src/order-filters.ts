import type { PlaceOrderCommand } from './commands.ts';
import type { Market } from './market.ts';
import { isLimitPriced, OrderType } from './order-enums.ts';
import { Result } from './result-codes.ts';

const clientOrderIdPattern = /^[A-Za-z0-9_-]{1,36}$/;

/** Whether a value is an integer from 0 to max (one unsigned shift rejects NaN, fractions, negatives). */
function isSmallEnum(value: number, max: number): boolean {
  return value >>> 0 === value && value <= max;
}

/** Checks a command's enumerations and client order id (Binance: 1-36 of [A-Za-z0-9_-]). */
export function checkShape(cmd: PlaceOrderCommand): number {
  const valid =
    isSmallEnum(cmd.side, 1) &&
    isSmallEnum(cmd.type, OrderType.TAKE_PROFIT_LIMIT) &&
    isSmallEnum(cmd.timeInForce, 2) &&
    isSmallEnum(cmd.stp, 3);
  if (!valid) return Result.INVALID_PARAMETER;
  if (typeof cmd.clientOrderId !== 'string') return Result.INVALID_CLIENT_ORDER_ID;
  if (cmd.clientOrderId !== '' && !clientOrderIdPattern.test(cmd.clientOrderId)) {
    return Result.INVALID_CLIENT_ORDER_ID;
  }
  return Result.OK;
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Binance's symbol filters on integers: PRICE_FILTER (price and stop price in range; being whole
 * ticks is guaranteed by the edge), LOT_SIZE for limit-priced orders, MARKET_LOT_SIZE for market
 * and stop-market orders, NOTIONAL (MIN_NOTIONAL) for limit-priced orders and quote-amount market
 * orders. Market orders by quantity are exempt from NOTIONAL: Binance measures those against a
 * five-minute average price, and the engine has no clock.
 */
export function checkFilters(market: Market, cmd: PlaceOrderCommand): number {
  const type = cmd.type;
  const limitPriced = isLimitPriced(type);
  if (type >= OrderType.STOP_LOSS && !inRange(cmd.stopPrice, market.minPriceTicks, market.maxPriceTicks)) {
    return Result.PRICE_FILTER;
  }
  if (type < OrderType.STOP_LOSS && cmd.stopPrice !== 0) return Result.INVALID_PARAMETER;
  if (type !== OrderType.MARKET && cmd.quoteOrderQty !== 0) return Result.INVALID_PARAMETER;
  if (limitPriced) {
    if (!inRange(cmd.price, market.minPriceTicks, market.maxPriceTicks)) return Result.PRICE_FILTER;
    if (!inRange(cmd.quantity, market.minLots, market.maxLots)) return Result.LOT_SIZE;
    if (cmd.price * cmd.quantity * market.quotePerTickLot < market.minNotional) return Result.MIN_NOTIONAL;
    return Result.OK;
  }
  if (cmd.price !== 0) return Result.INVALID_PARAMETER;
  if (type === OrderType.MARKET && cmd.quoteOrderQty !== 0) {
    if (cmd.quantity !== 0) return Result.INVALID_PARAMETER;
    if (!Number.isSafeInteger(cmd.quoteOrderQty) || cmd.quoteOrderQty < 0) return Result.INVALID_PARAMETER;
    if (cmd.quoteOrderQty < market.minNotional) return Result.MIN_NOTIONAL;
    return Result.OK;
  }
  if (!inRange(cmd.quantity, market.marketMinLots, market.marketMaxLots)) return Result.MARKET_LOT_SIZE;
  return Result.OK;
}
