import { invariantBroken } from './assert.ts';

/** The index starts with room for this many ids and doubles when it is half full. */
export const orderIndexInitial = 1024;

/**
 * Open orders by order id, O(1) for every operation. Order ids are sequential, so the table is
 * direct-mapped: an id lives in cell `id mod capacity`. Two open ids share a cell only when one
 * is at least `capacity` ids older than the other; the older one then moves to a small overflow
 * Map (long-lived orders, rarely touched). Linear probing was tried first: sequential ids form
 * one long cluster there, and deleting from it costs a scan of the whole cluster.
 */
export class OrderIndex {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private readonly overflow = new Map<number, number>();
  size: number;

  constructor(capacity: number = orderIndexInitial) {
    let rounded = 16;
    while (rounded < capacity) rounded *= 2;
    this.keys = new Float64Array(rounded);
    this.values = new Int32Array(rounded);
    this.mask = rounded - 1;
    this.size = 0;
  }

  /** The slot of an open order id, or -1. Id 0 is never an order id (it marks empty cells). */
  get(id: number): number {
    const cell = id & this.mask;
    if (this.keys[cell] === id && id !== 0) return this.values[cell]!;
    if (this.overflow.size === 0) return -1;
    return this.overflow.get(id) ?? -1;
  }

  /** Adds an id that is not in the index yet. */
  set(id: number, slot: number): void {
    if (!(Number.isSafeInteger(id) && id > 0)) invariantBroken('order ids are positive safe integers');
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.place(id, slot);
    this.size++;
  }

  /** Removes an id that is in the index. */
  delete(id: number): void {
    const cell = id & this.mask;
    if (this.keys[cell] === id) this.keys[cell] = 0;
    else if (!this.overflow.delete(id)) invariantBroken('deleting an order id that is not indexed');
    this.size--;
  }

  /** Entries kept in the overflow map (for tests and diagnostics). */
  get overflowSize(): number {
    return this.overflow.size;
  }

  private place(id: number, slot: number): void {
    const cell = id & this.mask;
    const resident = this.keys[cell]!;
    if (resident === id) invariantBroken('order id indexed twice');
    if (resident !== 0) this.overflow.set(resident, this.values[cell]!);
    this.keys[cell] = id;
    this.values[cell] = slot;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const older = [...this.overflow];
    this.keys = new Float64Array(oldKeys.length * 2);
    this.values = new Int32Array(this.keys.length);
    this.mask = this.keys.length - 1;
    this.overflow.clear();
    // Overflow ids first: they are the older ones, so a collision with a table id (which cannot
    // happen between two table ids, distinct modulo the old capacity) sends them back there.
    for (const [id, slot] of older) this.place(id, slot);
    for (let cell = 0; cell < oldKeys.length; cell++) {
      if (oldKeys[cell] !== 0) this.place(oldKeys[cell]!, oldValues[cell]!);
    }
  }
}
