import { growFloat, growInt } from './order-pool.ts';

/**
 * Price levels in parallel typed arrays. A level is the FIFO queue of orders at one price on one
 * side of one book: `head`/`tail` point into the order pool, `quantity` is the total resting
 * quantity in lots (the depth a market-data client sees).
 */
export class LevelPool {
  capacity: number;
  price: Float64Array;
  quantity: Float64Array;
  head: Int32Array;
  tail: Int32Array;
  count: Int32Array;
  /** market * 2 + side while the level is in use, -1 while it is free. */
  owner: Int32Array;
  private freeList: Int32Array;
  private freeCount: number;

  constructor(capacity: number) {
    this.capacity = 0;
    this.price = new Float64Array(0);
    this.quantity = new Float64Array(0);
    this.head = new Int32Array(0);
    this.tail = new Int32Array(0);
    this.count = new Int32Array(0);
    this.owner = new Int32Array(0);
    this.freeList = new Int32Array(0);
    this.freeCount = 0;
    this.grow(capacity);
  }

  /** Takes a free level for a price, growing the pool when none is left. */
  allocate(price: number, owner: number): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const level = this.freeList[--this.freeCount]!;
    this.price[level] = price;
    this.quantity[level] = 0;
    this.head[level] = -1;
    this.tail[level] = -1;
    this.count[level] = 0;
    this.owner[level] = owner;
    return level;
  }

  /** Returns an empty level to the free list. */
  release(level: number): void {
    this.owner[level] = -1;
    this.freeList[this.freeCount++] = level;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.price = growFloat(this.price, capacity);
    this.quantity = growFloat(this.quantity, capacity);
    this.head = growInt(this.head, capacity);
    this.tail = growInt(this.tail, capacity);
    this.count = growInt(this.count, capacity);
    this.owner = growInt(this.owner, capacity);
    const freeList = new Int32Array(capacity);
    freeList.set(this.freeList.subarray(0, this.freeCount));
    let count = this.freeCount;
    for (let level = capacity - 1; level >= old; level--) freeList[count++] = level;
    this.freeList = freeList;
    this.freeCount = count;
    this.capacity = capacity;
  }
}
