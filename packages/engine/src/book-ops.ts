import { invariantBroken } from './assert.ts';
import { touchDepth, type Core } from './core.ts';
import type { Market } from './market.ts';
import { Side } from './order-enums.ts';

/** Appends an order to the tail of its price level's FIFO, creating the level if needed. */
export function addToLevel(core: Core, market: Market, slot: number): void {
  const o = core.orders;
  const lv = core.levels;
  const side = o.side(slot);
  const price = o.price(slot);
  const bookSide = side === Side.BUY ? market.bids : market.asks;
  const key = bookSide.sign * price;
  let index = bookSide.search(key);
  let level: number;
  if (index >= 0) level = bookSide.levels[index]!;
  else {
    level = lv.allocate(price, market.index * 2 + side);
    index = -index - 1;
    bookSide.insertAt(index, key, level);
  }
  const tail = lv.tail[level]!;
  o.setPrev(slot, tail);
  o.setNext(slot, -1);
  if (tail === -1) lv.head[level] = slot;
  else o.setNext(tail, slot);
  lv.tail[level] = slot;
  lv.count[level]!++;
  lv.quantity[level]! += o.quantity(slot) - o.executed(slot);
  o.setLevel(slot, level);
  touchDepth(core, market.index, side, price, level);
}

/** Unlinks an order from its price level in O(1), dropping the level when it empties. */
export function removeFromLevel(core: Core, market: Market, slot: number): void {
  const o = core.orders;
  const lv = core.levels;
  const level = o.level(slot);
  if (!(level >= 0)) invariantBroken('order is not in a level');
  const prev = o.prev(slot);
  const next = o.next(slot);
  if (prev === -1) lv.head[level] = next;
  else o.setNext(prev, next);
  if (next === -1) lv.tail[level] = prev;
  else o.setPrev(next, prev);
  o.setLevel(slot, -1);
  lv.quantity[level]! -= o.quantity(slot) - o.executed(slot);
  const side = o.side(slot);
  const price = o.price(slot);
  if (--lv.count[level]! === 0) {
    if (lv.quantity[level] !== 0) invariantBroken('empty level has quantity');
    const bookSide = side === Side.BUY ? market.bids : market.asks;
    // The best level is the last element, and it is the one matching usually empties.
    const last = bookSide.size - 1;
    const index = bookSide.levels[last] === level ? last : bookSide.search(bookSide.sign * price);
    if (!(index >= 0)) invariantBroken('level is not in its book side');
    bookSide.removeAt(index);
    lv.release(level);
  }
  touchDepth(core, market.index, side, price, level);
}
