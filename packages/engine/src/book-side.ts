import { growFloat, growInt } from './order-pool.ts';

/**
 * One side of a book: its price levels kept sorted by a key so that the best level is always the
 * last element. Bids use key = price (highest last), asks use key = -price (lowest price last), so
 * both sides share one code path. Orders arrive near the best price, so inserting a level is a
 * binary search plus a short copyWithin at the end of the array, and consuming the best level is
 * a pop.
 */
export class BookSide {
  keys: Float64Array;
  levels: Int32Array;
  size: number;
  /** +1 for bids (key = price), -1 for asks (key = -price). */
  readonly sign: number;

  constructor(sign: number, capacity: number) {
    this.sign = sign;
    this.keys = new Float64Array(capacity);
    this.levels = new Int32Array(capacity);
    this.size = 0;
  }

  /**
   * The index of `key`, or -(insertion index) - 1 when it is absent. Orders arrive near the best
   * price, which is the end of the array, so the search gallops down from the end (1, 2, 4, …
   * levels) before it bisects: a handful of probes for a key near the top of the book.
   */
  search(key: number): number {
    const keys = this.keys;
    const last = this.size - 1;
    if (last < 0) return -1;
    const top = keys[last]!;
    if (top === key) return last;
    if (top < key) return -last - 2;
    // Every index above `high` holds a key greater than `key`.
    let high = last - 1;
    let span = 1;
    let low = last - span;
    while (low > 0 && keys[low]! > key) {
      high = low - 1;
      span *= 2;
      low = last - span;
    }
    if (low < 0) low = 0;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const probe = keys[middle]!;
      if (probe < key) low = middle + 1;
      else if (probe > key) high = middle - 1;
      else return middle;
    }
    return -low - 1;
  }

  /** Inserts a level at a position found by `search`. */
  insertAt(index: number, key: number, level: number): void {
    if (this.size === this.keys.length) {
      this.keys = growFloat(this.keys, this.size * 2);
      this.levels = growInt(this.levels, this.size * 2);
    }
    if (index < this.size) {
      this.keys.copyWithin(index + 1, index, this.size);
      this.levels.copyWithin(index + 1, index, this.size);
    }
    this.keys[index] = key;
    this.levels[index] = level;
    this.size++;
  }

  /** Removes the level at an index. */
  removeAt(index: number): void {
    this.size--;
    if (index < this.size) {
      this.keys.copyWithin(index, index + 1, this.size + 1);
      this.levels.copyWithin(index, index + 1, this.size + 1);
    }
  }
}
