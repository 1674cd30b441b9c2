import { invariantBroken } from './assert.ts';
import { removeFromLevel } from './book-ops.ts';
import { touchDepth, type Core } from './core.ts';
import { writeOrder, writeTrade } from './event-writer.ts';
import { feeOf } from './fee.ts';
import type { Market } from './market.ts';
import { unregisterOpen } from './open-orders.ts';
import { closeOpenOrder } from './order-close.ts';
import { OrderStatus, Side, StpMode } from './order-enums.ts';

/** Why matching stopped. */
export const MatchStop = { DONE: 0, SELF_TRADE: 1, BUDGET: 2 } as const;

/**
 * Matches a taker against the opposite side in price-time priority while the best level's key is
 * at least `limitKey` (see BookSide), the taker wants lots, and a quote budget (market orders by
 * quote amount; Infinity otherwise) can pay for one more lot. Self-trade prevention follows the
 * taker's mode. Returns a MatchStop.
 */
export function matchTaker(
  core: Core,
  market: Market,
  taker: number,
  limitKey: number,
  lotsWanted: number,
  quoteBudget: number,
): number {
  const o = core.orders;
  const lv = core.levels;
  const opposite = o.side(taker) === Side.BUY ? market.asks : market.bids;
  const takerAccount = o.account(taker);
  const stp = o.stp(taker);
  let remaining = lotsWanted;
  let budget = quoteBudget;
  while (remaining > 0 && opposite.size > 0 && opposite.keys[opposite.size - 1]! >= limitKey) {
    const level = opposite.levels[opposite.size - 1]!;
    const price = lv.price[level]!;
    const lotCost = price * market.quotePerTickLot;
    let maker = lv.head[level]!;
    while (maker !== -1 && remaining > 0) {
      const nextMaker = o.next(maker);
      if (stp !== StpMode.NONE && o.account(maker) === takerAccount) {
        if (stp === StpMode.EXPIRE_TAKER) return MatchStop.SELF_TRADE;
        closeOpenOrder(core, market, maker, OrderStatus.EXPIRED_IN_MATCH);
        if (stp === StpMode.EXPIRE_BOTH) return MatchStop.SELF_TRADE;
        maker = nextMaker;
        continue;
      }
      let lots = o.quantity(maker) - o.executed(maker);
      if (lots > remaining) lots = remaining;
      let budgetBound = false;
      if (budget !== Infinity) {
        let affordable = Math.floor(budget / lotCost);
        if (affordable * lotCost > budget) affordable--;
        // The budget stops the order at the first maker it cannot pay in full.
        if (lots >= affordable) {
          lots = affordable;
          budgetBound = true;
        }
        budget -= lots * lotCost;
      }
      if (lots > 0) fill(core, market, taker, maker, price, lots);
      if (budgetBound) {
        core.budgetLeft = budget;
        return MatchStop.BUDGET;
      }
      remaining -= lots;
      maker = nextMaker;
    }
  }
  core.budgetLeft = budget;
  return MatchStop.DONE;
}

/**
 * Settles one fill as double-entry postings: the seller's locked base goes to the buyer's free
 * base (less the buyer's fee, which goes to the fee account), the buyer's locked quote goes to the
 * seller's free quote (less the seller's fee). Fees are taken from what each side receives.
 */
function fill(core: Core, market: Market, taker: number, maker: number, price: number, lots: number): void {
  const o = core.orders;
  const b = core.balances;
  const quote = price * lots * market.quotePerTickLot;
  const base = lots * market.lotUnits;
  const takerBuys = o.side(taker) === Side.BUY;
  const buyer = takerBuys ? taker : maker;
  const seller = takerBuys ? maker : taker;
  const buyerFee = feeOf(base, takerBuys ? market.takerFeePpm : market.makerFeePpm);
  const sellerFee = feeOf(quote, takerBuys ? market.makerFeePpm : market.takerFeePpm);
  const sellerBase = o.baseSlot(seller);
  const buyerBase = o.baseSlot(buyer);
  const buyerQuote = o.quoteSlot(buyer);
  const sellerQuote = o.quoteSlot(seller);
  b.locked[sellerBase]! -= base;
  b.free[buyerBase]! += base - buyerFee;
  b.locked[buyerQuote]! -= quote;
  b.free[sellerQuote]! += quote - sellerFee;
  if (!(b.locked[sellerBase]! >= 0)) invariantBroken('seller spent more base than it locked');
  if (!(b.locked[buyerQuote]! >= 0)) invariantBroken('buyer spent more quote than it locked');
  b.touch(sellerBase);
  b.touch(buyerBase);
  b.touch(buyerQuote);
  b.touch(sellerQuote);
  if (buyerFee > 0) creditFee(core, market.feeBaseSlot, buyerFee);
  if (sellerFee > 0) creditFee(core, market.feeQuoteSlot, sellerFee);
  core.takerLocked -= takerBuys ? quote : base;
  o.setExecuted(taker, o.executed(taker) + lots);
  o.setCumQuote(taker, o.cumQuote(taker) + quote);
  o.setExecuted(maker, o.executed(maker) + lots);
  o.setCumQuote(maker, o.cumQuote(maker) + quote);
  writeTrade(core, market, taker, maker, price, lots, quote, buyerFee, sellerFee);
  recordTradePrice(market, price);
  core.levels.quantity[o.level(maker)]! -= lots;
  if (o.executed(maker) === o.quantity(maker)) finishMaker(core, market, maker);
  else {
    touchDepth(core, market.index, o.side(maker), price, o.level(maker));
    o.setStatus(maker, OrderStatus.PARTIALLY_FILLED);
    writeOrder(core, maker, 0);
  }
}

function creditFee(core: Core, slot: number, amount: number): void {
  core.balances.free[slot]! += amount;
  core.balances.touch(slot);
}

function finishMaker(core: Core, market: Market, maker: number): void {
  const o = core.orders;
  o.setStatus(maker, OrderStatus.FILLED);
  writeOrder(core, maker, 0);
  removeFromLevel(core, market, maker);
  unregisterOpen(core, core.accountList[o.account(maker)]!, maker);
  o.release(maker);
}

/** Remembers the last trade price and the range stops are checked against. */
function recordTradePrice(market: Market, price: number): void {
  market.lastPrice = price;
  if (market.tradeHigh === 0 || price > market.tradeHigh) market.tradeHigh = price;
  if (market.tradeLow === 0 || price < market.tradeLow) market.tradeLow = price;
}
