/**
 * The order vocabulary of Binance's spot model as small integers. The engine stores these in
 * typed arrays, so every enum is a number; the `*Names` arrays turn them back into the wire names.
 */

/** Which side of the book an order is on. */
export const Side = { BUY: 0, SELL: 1 } as const;
/** A side as stored by the engine. */
export type Side = (typeof Side)[keyof typeof Side];
/** Wire names of sides, indexed by Side. */
export const sideNames = ['BUY', 'SELL'] as const;

/** Order types, as Binance spot names them. */
export const OrderType = {
  LIMIT: 0,
  MARKET: 1,
  LIMIT_MAKER: 2,
  STOP_LOSS: 3,
  STOP_LOSS_LIMIT: 4,
  TAKE_PROFIT: 5,
  TAKE_PROFIT_LIMIT: 6,
} as const;
/** An order type as stored by the engine. */
export type OrderType = (typeof OrderType)[keyof typeof OrderType];
/** Wire names of order types, indexed by OrderType. */
export const orderTypeNames = [
  'LIMIT',
  'MARKET',
  'LIMIT_MAKER',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;

/** Time in force for limit-priced orders. */
export const TimeInForce = { GTC: 0, IOC: 1, FOK: 2 } as const;
/** A time in force as stored by the engine. */
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];
/** Wire names of times in force, indexed by TimeInForce. */
export const timeInForceNames = ['GTC', 'IOC', 'FOK'] as const;

/** Self-trade prevention modes; the taker's mode decides, as on Binance. */
export const StpMode = { NONE: 0, EXPIRE_TAKER: 1, EXPIRE_MAKER: 2, EXPIRE_BOTH: 3 } as const;
/** A self-trade prevention mode as stored by the engine. */
export type StpMode = (typeof StpMode)[keyof typeof StpMode];
/** Wire names of self-trade prevention modes, indexed by StpMode. */
export const stpModeNames = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'] as const;

/** Order statuses, as Binance spot names them. */
export const OrderStatus = {
  NEW: 0,
  PARTIALLY_FILLED: 1,
  FILLED: 2,
  CANCELED: 3,
  REJECTED: 4,
  EXPIRED: 5,
  EXPIRED_IN_MATCH: 6,
} as const;
/** An order status as stored by the engine. */
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];
/** Wire names of order statuses, indexed by OrderStatus. */
export const orderStatusNames = [
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
  'EXPIRED_IN_MATCH',
] as const;

/** Withdrawal statuses (spec D2); the last three are final and leave the engine's state. */
export const WithdrawalStatus = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 3, CANCELLED: 4 } as const;
/** A withdrawal status as stored by the engine. */
export type WithdrawalStatus = (typeof WithdrawalStatus)[keyof typeof WithdrawalStatus];
/** Wire names of withdrawal statuses, indexed by WithdrawalStatus. */
export const withdrawalStatusNames = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

/** Whether an order type waits for a trigger price before it works. */
export function isStopType(type: number): boolean {
  return type >= OrderType.STOP_LOSS;
}

/** Whether an order type carries a limit price (LIMIT, LIMIT_MAKER and the *_LIMIT stops). */
export function isLimitPriced(type: number): boolean {
  return (
    type === OrderType.LIMIT ||
    type === OrderType.LIMIT_MAKER ||
    type === OrderType.STOP_LOSS_LIMIT ||
    type === OrderType.TAKE_PROFIT_LIMIT
  );
}

/**
 * Whether a stop order triggers when the last price rises to its stop price (rather than falls).
 * Binance: STOP_LOSS BUY and TAKE_PROFIT SELL trigger on price >= stop; the other two on <=.
 */
export function triggersOnRise(type: number, side: number): boolean {
  const stopLoss = type === OrderType.STOP_LOSS || type === OrderType.STOP_LOSS_LIMIT;
  return stopLoss === (side === Side.BUY);
}
