import { EventKind, recordLength, type EventBuffer } from './event-buffer.ts';
import {
  orderStatusNames,
  orderTypeNames,
  sideNames,
  stpModeNames,
  timeInForceNames,
  withdrawalStatusNames,
} from './order-enums.ts';
import { resultName, type ResultName } from './result-codes.ts';

/** An order's full state after a change (Binance executionReport, without the clock fields). */
export interface OrderEvent {
  kind: 'order';
  market: number;
  orderId: number;
  account: number;
  clientOrderId: string;
  side: (typeof sideNames)[number];
  type: (typeof orderTypeNames)[number];
  timeInForce: (typeof timeInForceNames)[number];
  stp: (typeof stpModeNames)[number];
  status: (typeof orderStatusNames)[number];
  price: number;
  stopPrice: number;
  quantity: number;
  executed: number;
  cumQuote: number;
  quoteOrderQty: number;
  /** Why a fired stop was REJECTED; null otherwise. */
  reason: ResultName | null;
  /**
   * When the order was placed (ms). The engine has no clock: decoding leaves 0, and the host that
   * stamps batches fills it in before anyone reads the event.
   */
  placedAt: number;
}

/** A trade; it serves both sides' account streams and the public trade feed. */
export interface TradeEvent {
  kind: 'trade';
  market: number;
  tradeId: number;
  price: number;
  quantity: number;
  quoteQty: number;
  buyerOrderId: number;
  sellerOrderId: number;
  buyerAccount: number;
  sellerAccount: number;
  buyerIsMaker: boolean;
  /** In base units (the buyer receives base). */
  buyerFee: number;
  /** In quote units (the seller receives quote). */
  sellerFee: number;
}

/** Absolute free and locked amounts of one (account, asset) after a command. */
export interface BalanceEvent {
  kind: 'balance';
  account: number;
  asset: number;
  free: number;
  locked: number;
}

/** One changed price level; every level changed by one command shares U = u = its update id. */
export interface DepthEvent {
  kind: 'depth';
  market: number;
  U: number;
  u: number;
  side: (typeof sideNames)[number];
  price: number;
  quantity: number;
}

/** A credited deposit. */
export interface DepositEvent {
  kind: 'deposit';
  account: number;
  asset: number;
  amount: number;
  txId: string;
}

/** A withdrawal after a lifecycle step. */
export interface WithdrawalEvent {
  kind: 'withdrawal';
  withdrawalId: number;
  account: number;
  asset: number;
  amount: number;
  fee: number;
  status: (typeof withdrawalStatusNames)[number];
}

/** Any decoded engine event. */
export type EngineEvent =
  OrderEvent | TradeEvent | BalanceEvent | DepthEvent | DepositEvent | WithdrawalEvent;

/** Turns the records of an event buffer into objects, in emission order. */
export function decodeEvents(buffer: EventBuffer): EngineEvent[] {
  const d = buffer.data;
  const events: EngineEvent[] = [];
  let i = 0;
  while (i < buffer.length) {
    const kind = d[i]!;
    if (kind === EventKind.ORDER) events.push(decodeOrder(buffer, i));
    else if (kind === EventKind.TRADE) events.push(decodeTrade(d, i));
    else if (kind === EventKind.BALANCE) {
      events.push({
        kind: 'balance',
        account: d[i + 1]!,
        asset: d[i + 2]!,
        free: d[i + 3]!,
        locked: d[i + 4]!,
      });
    } else if (kind === EventKind.DEPTH) {
      const side = sideNames[d[i + 3]!]!;
      const [market, id, price, quantity] = [d[i + 1]!, d[i + 2]!, d[i + 4]!, d[i + 5]!];
      events.push({ kind: 'depth', market, U: id, u: id, side, price, quantity });
    } else if (kind === EventKind.DEPOSIT) {
      const txId = buffer.strings[d[i + 4]!]!;
      events.push({ kind: 'deposit', account: d[i + 1]!, asset: d[i + 2]!, amount: d[i + 3]!, txId });
    } else if (kind === EventKind.WITHDRAWAL) events.push(decodeWithdrawal(d, i));
    else throw new Error(`corrupt event buffer: kind ${kind} at ${i}`);
    i += lengthOf(kind);
  }
  return events;
}

function lengthOf(kind: number): number {
  if (kind === EventKind.ORDER) return recordLength.order;
  if (kind === EventKind.TRADE) return recordLength.trade;
  if (kind === EventKind.BALANCE) return recordLength.balance;
  if (kind === EventKind.DEPTH) return recordLength.depth;
  if (kind === EventKind.DEPOSIT) return recordLength.deposit;
  return recordLength.withdrawal;
}

function decodeOrder(buffer: EventBuffer, i: number): OrderEvent {
  const d = buffer.data;
  const clientRef = d[i + 4]!;
  return {
    kind: 'order',
    market: d[i + 1]!,
    orderId: d[i + 2]!,
    account: d[i + 3]!,
    clientOrderId: clientRef < 0 ? '' : buffer.strings[clientRef]!,
    side: sideNames[d[i + 5]!]!,
    type: orderTypeNames[d[i + 6]!]!,
    timeInForce: timeInForceNames[d[i + 7]!]!,
    stp: stpModeNames[d[i + 8]!]!,
    status: orderStatusNames[d[i + 9]!]!,
    price: d[i + 10]!,
    stopPrice: d[i + 11]!,
    quantity: d[i + 12]!,
    executed: d[i + 13]!,
    cumQuote: d[i + 14]!,
    quoteOrderQty: d[i + 15]!,
    reason: d[i + 16] === 0 ? null : resultName(d[i + 16]!),
    placedAt: 0,
  };
}

function decodeTrade(d: Float64Array, i: number): TradeEvent {
  return {
    kind: 'trade',
    market: d[i + 1]!,
    tradeId: d[i + 2]!,
    price: d[i + 3]!,
    quantity: d[i + 4]!,
    quoteQty: d[i + 5]!,
    buyerOrderId: d[i + 6]!,
    sellerOrderId: d[i + 7]!,
    buyerAccount: d[i + 8]!,
    sellerAccount: d[i + 9]!,
    buyerIsMaker: d[i + 10] === 1,
    buyerFee: d[i + 11]!,
    sellerFee: d[i + 12]!,
  };
}

function decodeWithdrawal(d: Float64Array, i: number): WithdrawalEvent {
  return {
    kind: 'withdrawal',
    withdrawalId: d[i + 1]!,
    account: d[i + 2]!,
    asset: d[i + 3]!,
    amount: d[i + 4]!,
    fee: d[i + 5]!,
    status: withdrawalStatusNames[d[i + 6]!]!,
  };
}
