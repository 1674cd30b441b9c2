import type { Core, OpenWithdrawal } from './core.ts';
import { EventKind, recordLength } from './event-buffer.ts';
import type { Market } from './market.ts';
import { Side } from './order-enums.ts';

/**
 * Appends records to the engine's event buffer. Each writer reserves its fixed record length and
 * stores plain numbers; the layouts are documented in event-buffer.ts and read by event-decode.ts.
 * BALANCE records are written by `endCommand` (core.ts), all of a command's at once.
 */

/** Appends the full state of an order; `reason` is a result code for REJECTED/EXPIRED, else 0. */
export function writeOrder(core: Core, slot: number, reason: number): void {
  const out = core.events;
  const o = core.orders;
  const data = out.reserve(recordLength.order);
  const clientOrderId = o.clientOrderId[slot]!;
  let i = out.length;
  data[i++] = EventKind.ORDER;
  data[i++] = o.market(slot);
  data[i++] = o.id(slot);
  data[i++] = o.accountId(slot);
  data[i++] = clientOrderId === '' ? -1 : out.string(clientOrderId);
  data[i++] = o.side(slot);
  data[i++] = o.type(slot);
  data[i++] = o.tif(slot);
  data[i++] = o.stp(slot);
  data[i++] = o.status(slot);
  data[i++] = o.price(slot);
  data[i++] = o.stopPrice(slot);
  data[i++] = o.quantity(slot);
  data[i++] = o.executed(slot);
  data[i++] = o.cumQuote(slot);
  data[i++] = o.quoteOrderQty(slot);
  data[i++] = reason;
  out.length = i;
}

/** Appends a trade between a taker and a maker slot (before either is released). */
export function writeTrade(
  core: Core,
  market: Market,
  taker: number,
  maker: number,
  price: number,
  lots: number,
  quote: number,
  buyerFee: number,
  sellerFee: number,
): void {
  const out = core.events;
  const o = core.orders;
  const takerBuys = o.side(taker) === Side.BUY;
  const buyer = takerBuys ? taker : maker;
  const seller = takerBuys ? maker : taker;
  const data = out.reserve(recordLength.trade);
  let i = out.length;
  data[i++] = EventKind.TRADE;
  data[i++] = market.index;
  data[i++] = market.nextTradeId++;
  data[i++] = price;
  data[i++] = lots;
  data[i++] = quote;
  data[i++] = o.id(buyer);
  data[i++] = o.id(seller);
  data[i++] = o.accountId(buyer);
  data[i++] = o.accountId(seller);
  data[i++] = takerBuys ? 0 : 1;
  data[i++] = buyerFee;
  data[i++] = sellerFee;
  out.length = i;
}

/** Appends the current quantity of one price level (0 when the level is gone). */
export function writeDepth(core: Core, market: Market, side: number, price: number, level: number): void {
  const lv = core.levels;
  let quantity: number;
  if (lv.owner[level] === market.index * 2 + side && lv.price[level] === price)
    quantity = lv.quantity[level]!;
  else {
    // The level emptied (and its slot may serve another price now): look the price up.
    const bookSide = side === Side.BUY ? market.bids : market.asks;
    const index = bookSide.search(bookSide.sign * price);
    quantity = index >= 0 ? lv.quantity[bookSide.levels[index]!]! : 0;
  }
  const out = core.events;
  const data = out.reserve(recordLength.depth);
  let i = out.length;
  data[i++] = EventKind.DEPTH;
  data[i++] = market.index;
  data[i++] = market.updateId;
  data[i++] = side;
  data[i++] = price;
  data[i++] = quantity;
  out.length = i;
}

/** Appends a credited deposit. */
export function writeDeposit(core: Core, account: number, asset: number, amount: number, txId: string): void {
  const out = core.events;
  const data = out.reserve(recordLength.deposit);
  let i = out.length;
  data[i++] = EventKind.DEPOSIT;
  data[i++] = account;
  data[i++] = asset;
  data[i++] = amount;
  data[i++] = out.string(txId);
  out.length = i;
}

/** Appends a withdrawal's state after a step of its lifecycle. */
export function writeWithdrawal(core: Core, withdrawal: OpenWithdrawal): void {
  const out = core.events;
  const data = out.reserve(recordLength.withdrawal);
  let i = out.length;
  data[i++] = EventKind.WITHDRAWAL;
  data[i++] = withdrawal.id;
  data[i++] = withdrawal.account;
  data[i++] = withdrawal.asset;
  data[i++] = withdrawal.amount;
  data[i++] = withdrawal.fee;
  data[i++] = withdrawal.status;
  out.length = i;
}
