/**
 * Every order the engine holds lives in one slot of a pool: a fixed 128-byte record per slot in
 * one ArrayBuffer, seen as doubles (amounts, ids) and 32-bit integers (links, enums). All fields of
 * an order share two cache lines, so touching a random resting order (a cancel, a maker fill)
 * costs two cache misses instead of one per field. No object per order, no allocation on the hot
 * path once the pool has grown to the working set; slots are recycled through a free-list stack.
 * `next`/`prev` chain the orders of one price level (FIFO) and `accountNext`/`accountPrev` one
 * account's open orders, both intrusive, so unlinking an order is O(1).
 */

/** Doubles per slot; the record is 16 doubles = 32 int32s = 128 bytes. */
const F = 16;
/** Int32s per slot. */
const I = 32;
const ID = 0;
const PRICE = 1;
const STOP_PRICE = 2;
const QUANTITY = 3;
const EXECUTED = 4;
const CUM_QUOTE = 5;
const QUOTE_ORDER_QTY = 6;
const ACCOUNT_ID = 7;
const ACCOUNT = 16;
const MARKET = 17;
const NEXT = 18;
const PREV = 19;
const LEVEL = 20;
const ACCOUNT_NEXT = 21;
const ACCOUNT_PREV = 22;
const BASE_SLOT = 23;
const QUOTE_SLOT = 24;
const SIDE = 25;
const TYPE = 26;
const TIF = 27;
const STP = 28;
const STATUS = 29;
const OPEN = 30;

/** The order pool; accessors are tiny so the optimiser inlines them into plain loads and stores. */
export class OrderPool {
  capacity: number;
  private f: Float64Array;
  private i: Int32Array;
  /** Client order ids by slot ('' when none); strings cannot live in the numeric record. */
  clientOrderId: string[];
  private freeList: Int32Array;
  private freeCount: number;

  constructor(capacity: number) {
    this.capacity = 0;
    this.f = new Float64Array(0);
    this.i = new Int32Array(0);
    this.clientOrderId = [];
    this.freeList = new Int32Array(0);
    this.freeCount = 0;
    this.grow(Math.max(capacity, 16));
  }

  /** Takes a free slot with cleared links, growing the pool when none is left. */
  allocate(): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.freeList[--this.freeCount]!;
    const base = slot * I;
    this.i[base + NEXT] = -1;
    this.i[base + PREV] = -1;
    this.i[base + LEVEL] = -1;
    this.i[base + ACCOUNT_NEXT] = -1;
    this.i[base + ACCOUNT_PREV] = -1;
    this.i[base + OPEN] = 0;
    return slot;
  }

  /** Returns a slot to the free list. */
  release(slot: number): void {
    this.clientOrderId[slot] = '';
    this.freeList[this.freeCount++] = slot;
  }

  /** Slots in use. */
  get used(): number {
    return this.capacity - this.freeCount;
  }

  id(slot: number): number {
    return this.f[slot * F + ID]!;
  }
  setId(slot: number, value: number): void {
    this.f[slot * F + ID] = value;
  }
  price(slot: number): number {
    return this.f[slot * F + PRICE]!;
  }
  setPrice(slot: number, value: number): void {
    this.f[slot * F + PRICE] = value;
  }
  stopPrice(slot: number): number {
    return this.f[slot * F + STOP_PRICE]!;
  }
  setStopPrice(slot: number, value: number): void {
    this.f[slot * F + STOP_PRICE] = value;
  }
  quantity(slot: number): number {
    return this.f[slot * F + QUANTITY]!;
  }
  setQuantity(slot: number, value: number): void {
    this.f[slot * F + QUANTITY] = value;
  }
  executed(slot: number): number {
    return this.f[slot * F + EXECUTED]!;
  }
  setExecuted(slot: number, value: number): void {
    this.f[slot * F + EXECUTED] = value;
  }
  cumQuote(slot: number): number {
    return this.f[slot * F + CUM_QUOTE]!;
  }
  setCumQuote(slot: number, value: number): void {
    this.f[slot * F + CUM_QUOTE] = value;
  }
  quoteOrderQty(slot: number): number {
    return this.f[slot * F + QUOTE_ORDER_QTY]!;
  }
  setQuoteOrderQty(slot: number, value: number): void {
    this.f[slot * F + QUOTE_ORDER_QTY] = value;
  }
  /** The account's external id (what events carry). */
  accountId(slot: number): number {
    return this.f[slot * F + ACCOUNT_ID]!;
  }
  setAccountId(slot: number, value: number): void {
    this.f[slot * F + ACCOUNT_ID] = value;
  }
  /** The account's internal index (Core.accountList). */
  account(slot: number): number {
    return this.i[slot * I + ACCOUNT]!;
  }
  setAccount(slot: number, value: number): void {
    this.i[slot * I + ACCOUNT] = value;
  }
  market(slot: number): number {
    return this.i[slot * I + MARKET]!;
  }
  setMarket(slot: number, value: number): void {
    this.i[slot * I + MARKET] = value;
  }
  next(slot: number): number {
    return this.i[slot * I + NEXT]!;
  }
  setNext(slot: number, value: number): void {
    this.i[slot * I + NEXT] = value;
  }
  prev(slot: number): number {
    return this.i[slot * I + PREV]!;
  }
  setPrev(slot: number, value: number): void {
    this.i[slot * I + PREV] = value;
  }
  level(slot: number): number {
    return this.i[slot * I + LEVEL]!;
  }
  setLevel(slot: number, value: number): void {
    this.i[slot * I + LEVEL] = value;
  }
  accountNext(slot: number): number {
    return this.i[slot * I + ACCOUNT_NEXT]!;
  }
  setAccountNext(slot: number, value: number): void {
    this.i[slot * I + ACCOUNT_NEXT] = value;
  }
  accountPrev(slot: number): number {
    return this.i[slot * I + ACCOUNT_PREV]!;
  }
  setAccountPrev(slot: number, value: number): void {
    this.i[slot * I + ACCOUNT_PREV] = value;
  }
  baseSlot(slot: number): number {
    return this.i[slot * I + BASE_SLOT]!;
  }
  setBaseSlot(slot: number, value: number): void {
    this.i[slot * I + BASE_SLOT] = value;
  }
  quoteSlot(slot: number): number {
    return this.i[slot * I + QUOTE_SLOT]!;
  }
  setQuoteSlot(slot: number, value: number): void {
    this.i[slot * I + QUOTE_SLOT] = value;
  }
  side(slot: number): number {
    return this.i[slot * I + SIDE]!;
  }
  setSide(slot: number, value: number): void {
    this.i[slot * I + SIDE] = value;
  }
  type(slot: number): number {
    return this.i[slot * I + TYPE]!;
  }
  setType(slot: number, value: number): void {
    this.i[slot * I + TYPE] = value;
  }
  tif(slot: number): number {
    return this.i[slot * I + TIF]!;
  }
  setTif(slot: number, value: number): void {
    this.i[slot * I + TIF] = value;
  }
  stp(slot: number): number {
    return this.i[slot * I + STP]!;
  }
  setStp(slot: number, value: number): void {
    this.i[slot * I + STP] = value;
  }
  status(slot: number): number {
    return this.i[slot * I + STATUS]!;
  }
  setStatus(slot: number, value: number): void {
    this.i[slot * I + STATUS] = value;
  }
  /** 1 while the order is open (resting in a book or waiting as a stop). */
  open(slot: number): number {
    return this.i[slot * I + OPEN]!;
  }
  setOpen(slot: number, value: number): void {
    this.i[slot * I + OPEN] = value;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const buffer = new ArrayBuffer(capacity * F * 8);
    const f = new Float64Array(buffer);
    f.set(this.f);
    this.f = f;
    this.i = new Int32Array(buffer);
    for (let slot = old; slot < capacity; slot++) this.clientOrderId.push('');
    const freeList = new Int32Array(capacity);
    freeList.set(this.freeList.subarray(0, this.freeCount));
    // New slots are pushed highest first so that allocation hands out low slots first.
    let count = this.freeCount;
    for (let slot = capacity - 1; slot >= old; slot--) freeList[count++] = slot;
    this.freeList = freeList;
    this.freeCount = count;
    this.capacity = capacity;
  }
}

/** A copy of a Float64Array with more room. */
export function growFloat(array: Float64Array, capacity: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(array);
  return grown;
}

/** A copy of an Int32Array with more room. */
export function growInt(array: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}
