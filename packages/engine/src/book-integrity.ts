import type { BookSide } from './book-side.ts';
import type { Core } from './core.ts';
import type { Market } from './market.ts';

/**
 * Checks the live structures the snapshot cannot show: sorted level keys, level totals equal to
 * their orders' remaining quantities, intact FIFO links, and the id index covering exactly the
 * open orders. Returns problems found (empty when sound).
 */
export function checkBookIntegrity(core: Core): string[] {
  const problems: string[] = [];
  let open = 0;
  for (const market of core.markets) {
    open += checkSide(core, market, market.bids, 0, problems);
    open += checkSide(core, market, market.asks, 1, problems);
    open += market.stopsRise.length + market.stopsFall.length;
  }
  if (open !== core.orderSlots.size)
    problems.push(`id index holds ${core.orderSlots.size} orders, books ${open}`);
  let counted = 0;
  for (const account of core.accountList) counted += account.openCount;
  if (counted !== open) problems.push(`accounts count ${counted} open orders, books ${open}`);
  return problems;
}

function checkSide(
  core: Core,
  market: Market,
  side: BookSide,
  sideValue: number,
  problems: string[],
): number {
  const o = core.orders;
  const lv = core.levels;
  let orders = 0;
  for (let index = 0; index < side.size; index++) {
    const level = side.levels[index]!;
    if (index > 0 && !(side.keys[index - 1]! < side.keys[index]!))
      problems.push(`${market.symbol}: keys unsorted`);
    if (side.keys[index] !== side.sign * lv.price[level]!)
      problems.push(`${market.symbol}: key/price mismatch`);
    let quantity = 0;
    let count = 0;
    let previous = -1;
    for (let slot = lv.head[level]!; slot !== -1; slot = o.next(slot)) {
      if (o.prev(slot) !== previous)
        problems.push(`${market.symbol}: broken FIFO link at order ${o.id(slot)}`);
      if (o.level(slot) !== level || o.side(slot) !== sideValue || o.open(slot) !== 1) {
        problems.push(`${market.symbol}: order ${o.id(slot)} misplaced`);
      }
      if (core.orderSlots.get(o.id(slot)) !== slot)
        problems.push(`order ${o.id(slot)} missing from id index`);
      quantity += o.quantity(slot) - o.executed(slot);
      count++;
      previous = slot;
    }
    if (lv.tail[level] !== previous) problems.push(`${market.symbol}: level tail is wrong`);
    if (quantity !== lv.quantity[level] || count !== lv.count[level] || count === 0) {
      problems.push(`${market.symbol}: level ${lv.price[level]} totals disagree with its orders`);
    }
    orders += count;
  }
  return orders;
}
