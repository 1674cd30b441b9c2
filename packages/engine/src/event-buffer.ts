import { growFloat } from './order-pool.ts';

/**
 * The engine's output: events appended as flat records of numbers to one reusable Float64Array,
 * with strings (client order ids, deposit transaction ids) in a side array referenced by index.
 * Appending is a few typed-array stores, no object per event. A host reads the buffer after a
 * batch of commands (`decodeEvents` turns it into objects), commits it, and calls `clear()`.
 *
 * Every record starts with its kind; the layouts below are fixed per kind.
 */
export const EventKind = { ORDER: 1, TRADE: 2, BALANCE: 3, DEPTH: 4, DEPOSIT: 5, WITHDRAWAL: 6 } as const;
/** An event kind tag. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/**
 * Record lengths in numbers, kind included.
 * ORDER: kind market orderId account clientIdRef side type tif stp status price stopPrice quantity
 *        executed cumQuote quoteOrderQty reason
 * TRADE: kind market tradeId price quantity quoteQty buyerOrderId sellerOrderId buyerAccount
 *        sellerAccount buyerIsMaker buyerFee sellerFee
 * BALANCE: kind account asset free locked
 * DEPTH: kind market updateId side price quantity
 * DEPOSIT: kind account asset amount txIdRef
 * WITHDRAWAL: kind withdrawalId account asset amount fee status
 */
export const recordLength = {
  order: 17,
  trade: 13,
  balance: 5,
  depth: 6,
  deposit: 5,
  withdrawal: 7,
} as const;

/** The initial room of an event buffer, in numbers; it doubles when a batch needs more. */
export const eventBufferInitialLength = 1 << 16;

/** A growable append-only buffer of event records. */
export class EventBuffer {
  data: Float64Array;
  length: number;
  /** Strings referenced by ORDER (client order id) and DEPOSIT (transaction id) records. */
  strings: string[];

  constructor(initialLength: number = eventBufferInitialLength) {
    this.data = new Float64Array(initialLength);
    this.length = 0;
    this.strings = [];
  }

  /** Makes room for `numbers` more values and returns the (possibly new) backing array. */
  reserve(numbers: number): Float64Array {
    const needed = this.length + numbers;
    if (needed > this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity < needed) capacity *= 2;
      this.data = growFloat(this.data, capacity);
    }
    return this.data;
  }

  /** Stores a string and returns its reference for a record. */
  string(value: string): number {
    this.strings.push(value);
    return this.strings.length - 1;
  }

  /** Forgets all records (the backing array is kept for reuse). */
  clear(): void {
    this.length = 0;
    this.strings.length = 0;
  }
}
