import type { BalanceView, MyTradeView, OrderView } from '@lockstep/protocol';

/**
 * The JSON text of the trading views, written field by field. Every order request stores its
 * events' data as JSON, and `JSON.stringify` of an order view walks it generically and checks each
 * character of each string for escapes: 24,000 instructions of an order request's 374,000
 * (`bench:orders-instructions`). Each function's text is `JSON.stringify` of the same value, key
 * order included (`view-json.test.ts` checks it over random events from the presenter); the stored
 * event and the one pushed live must not differ.
 *
 * The pieces are joined, not concatenated: `a + b` makes a tree of pieces, which the
 * young-generation collector copies node by node when it runs while the batch holds the text; a
 * join makes one flat string. Written with template literals, the collector's share of an order
 * request rose from about 9,000 instructions to 40,000 (`collectorPerRequest`).
 *
 * What is written without escaping is what the server makes itself from a fixed alphabet: the
 * engine's names (side, type, status…), decimal strings and ISO times. Symbols and asset codes
 * come from the market configuration and are quoted by `JSON.stringify` once each; a client order
 * id is the client's own text and is always quoted by it.
 */

const quotedNames = new Map<string, string>();

/** A market symbol or asset code as a JSON string, made once per name. */
function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    // Names come from the configuration, so they are few; the bound only guards against misuse.
    if (quotedNames.size < 10_000) quotedNames.set(name, quoted);
  }
  return quoted;
}

/**
 * Texts of frozen order views: a batch writes an order's view into its account stream and again
 * into the answer to the request that placed or cancelled it (the presenter shares one frozen view
 * per event); a frozen view cannot change after its text is made.
 */
const orderTexts = new WeakMap<OrderView, string>();

export function orderViewJson(v: OrderView): string {
  let text = orderTexts.get(v);
  if (text === undefined) {
    text = writeOrderView(v);
    if (Object.isFrozen(v)) orderTexts.set(v, text);
  }
  return text;
}

function writeOrderView(v: OrderView): string {
  return [
    '{"orderId":',
    v.orderId,
    ',"clientOrderId":',
    JSON.stringify(v.clientOrderId),
    ',"symbol":',
    quotedName(v.symbol),
    ',"side":"',
    v.side,
    '","type":"',
    v.type,
    '","timeInForce":"',
    v.timeInForce,
    '","price":"',
    v.price,
    '","stopPrice":"',
    v.stopPrice,
    '","origQty":"',
    v.origQty,
    '","origQuoteOrderQty":"',
    v.origQuoteOrderQty,
    '","executedQty":"',
    v.executedQty,
    '","cummulativeQuoteQty":"',
    v.cummulativeQuoteQty,
    '","status":"',
    v.status,
    '","selfTradePreventionMode":"',
    v.selfTradePreventionMode,
    '","time":"',
    v.time,
    '","updateTime":"',
    v.updateTime,
    '"}',
  ].join('');
}

export function balanceViewJson(v: BalanceView): string {
  return ['{"asset":', quotedName(v.asset), ',"free":"', v.free, '","locked":"', v.locked, '"}'].join('');
}

export function tradeViewJson(v: MyTradeView): string {
  return [
    '{"tradeId":',
    v.tradeId,
    ',"symbol":',
    quotedName(v.symbol),
    ',"price":"',
    v.price,
    '","qty":"',
    v.qty,
    '","quoteQty":"',
    v.quoteQty,
    '","time":"',
    v.time,
    '","orderId":',
    v.orderId,
    ',"side":"',
    v.side,
    '","commission":"',
    v.commission,
    '","commissionAsset":',
    quotedName(v.commissionAsset),
    ',"isMaker":',
    v.isMaker,
    '}',
  ].join('');
}

/** The data of `order.updated` (`{order}`), which is also the answer to an order cancelled. */
export function orderEventJson(order: OrderView): string {
  return `{"order":${orderViewJson(order)}}`;
}

/** The data of `balance.updated` (`{balance}`). */
export function balanceEventJson(balance: BalanceView): string {
  return `{"balance":${balanceViewJson(balance)}}`;
}

/** The data of `trade.executed` (`{trade}`). */
export function tradeEventJson(trade: MyTradeView): string {
  return `{"trade":${tradeViewJson(trade)}}`;
}

/** The answer to an order placed (`{order, fills}`) or cancelled (`{order}`). */
export function orderAnswerJson(order: OrderView, fills?: readonly MyTradeView[]): string {
  if (fills === undefined) return orderEventJson(order);
  let list = '';
  for (let i = 0; i < fills.length; i++) list += (i === 0 ? '' : ',') + tradeViewJson(fills[i]!);
  return `{"order":${orderViewJson(order)},"fills":[${list}]}`;
}
