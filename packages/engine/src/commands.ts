import { OrderType, StpMode, TimeInForce } from './order-enums.ts';

/**
 * Commands the engine executes, all plain data with integers in engine units: prices in ticks,
 * quantities in lots, amounts in an asset's smallest unit, markets and assets by index. Every
 * field is always present so each command kind has one hidden class (fast property access); the
 * builders below fill the defaults. Zero means "not given" for price, quantity, quoteOrderQty,
 * stopPrice and orderId; '' means "not given" for clientOrderId.
 */
export interface PlaceOrderCommand {
  kind: 'place';
  account: number;
  market: number;
  side: number;
  type: number;
  timeInForce: number;
  price: number;
  quantity: number;
  quoteOrderQty: number;
  stopPrice: number;
  stp: number;
  clientOrderId: string;
}

/** Cancels one open order, by order id or (when orderId is 0) by client order id. */
export interface CancelOrderCommand {
  kind: 'cancel';
  account: number;
  market: number;
  orderId: number;
  clientOrderId: string;
}

/** Cancels every open order of an account on one market. */
export interface CancelAllCommand {
  kind: 'cancelAll';
  account: number;
  market: number;
}

/** One-click close (C6): cancel the account's orders on the market, then sell its base at market. */
export interface ClosePositionCommand {
  kind: 'close';
  account: number;
  market: number;
}

/** Credits a confirmed deposit; a repeated txId changes nothing. */
export interface DepositCommand {
  kind: 'deposit';
  account: number;
  asset: number;
  amount: number;
  txId: string;
}

/** Requests a withdrawal: amount plus fee move from free to locked while it is pending. */
export interface WithdrawCommand {
  kind: 'withdraw';
  account: number;
  asset: number;
  amount: number;
  fee: number;
}

/** The next step of a withdrawal's lifecycle (spec D2). */
export interface WithdrawalStepCommand {
  kind: 'withdrawalStep';
  withdrawalId: number;
  step: 'process' | 'complete' | 'fail' | 'cancel';
}

/** Any engine command. */
export type Command =
  | PlaceOrderCommand
  | CancelOrderCommand
  | CancelAllCommand
  | ClosePositionCommand
  | DepositCommand
  | WithdrawCommand
  | WithdrawalStepCommand;

/** The fields a caller must give to place an order; the rest default. */
export type PlaceOrderFields = Pick<PlaceOrderCommand, 'account' | 'market' | 'side'> &
  Partial<Omit<PlaceOrderCommand, 'kind' | 'account' | 'market' | 'side'>>;

/** Builds a place-order command with defaults: LIMIT GTC, no STP, no client order id. */
export function placeOrder(fields: PlaceOrderFields): PlaceOrderCommand {
  return {
    kind: 'place',
    account: fields.account,
    market: fields.market,
    side: fields.side,
    type: fields.type ?? OrderType.LIMIT,
    timeInForce: fields.timeInForce ?? TimeInForce.GTC,
    price: fields.price ?? 0,
    quantity: fields.quantity ?? 0,
    quoteOrderQty: fields.quoteOrderQty ?? 0,
    stopPrice: fields.stopPrice ?? 0,
    stp: fields.stp ?? StpMode.NONE,
    clientOrderId: fields.clientOrderId ?? '',
  };
}

/** Builds a cancel command by order id or by client order id. */
export function cancelOrder(
  account: number,
  market: number,
  by: { orderId: number } | { clientOrderId: string },
): CancelOrderCommand {
  const orderId = 'orderId' in by ? by.orderId : 0;
  const clientOrderId = 'clientOrderId' in by ? by.clientOrderId : '';
  return { kind: 'cancel', account, market, orderId, clientOrderId };
}
