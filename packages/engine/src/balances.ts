import { growFloat, growInt } from './order-pool.ts';

/**
 * Free and locked balances, one slot per (account, asset), in parallel typed arrays. Amounts are
 * integers in the asset's smallest unit, held in doubles: every bound the engine enforces keeps
 * them at or below Number.MAX_SAFE_INTEGER, where doubles are exact. Slots are never freed, so an
 * order can cache its account's base and quote slots.
 *
 * Each command stamps the slots it changes; at the end of the command the engine emits one
 * BALANCE event per touched slot with its absolute free and locked amounts.
 */
export class Balances {
  free: Float64Array;
  locked: Float64Array;
  account: Int32Array;
  /** The account's external id, kept beside its index so events need no lookup. */
  accountId: Float64Array;
  asset: Int32Array;
  size: number;
  touched: Int32Array;
  touchedCount: number;
  private stamp: Uint32Array;
  private stampNow: number;

  constructor(capacity: number) {
    this.free = new Float64Array(capacity);
    this.locked = new Float64Array(capacity);
    this.account = new Int32Array(capacity);
    this.accountId = new Float64Array(capacity);
    this.asset = new Int32Array(capacity);
    this.stamp = new Uint32Array(capacity);
    this.size = 0;
    this.touched = new Int32Array(64);
    this.touchedCount = 0;
    this.stampNow = 1;
  }

  /** Creates the slot of an (account index, asset) pair with zero balances. */
  allocate(accountIndex: number, accountId: number, asset: number): number {
    if (this.size === this.free.length) this.grow(this.size * 2);
    const slot = this.size++;
    this.free[slot] = 0;
    this.locked[slot] = 0;
    this.account[slot] = accountIndex;
    this.accountId[slot] = accountId;
    this.asset[slot] = asset;
    this.stamp[slot] = 0;
    return slot;
  }

  /** Starts a command: nothing is touched yet. */
  begin(): void {
    this.touchedCount = 0;
    // Wrapping after 2^32 commands would only make a slot look touched once too often: harmless.
    this.stampNow = (this.stampNow + 1) >>> 0 || 1;
  }

  /** Records that a slot changed in this command. */
  touch(slot: number): void {
    if (this.stamp[slot] === this.stampNow) return;
    this.stamp[slot] = this.stampNow;
    if (this.touchedCount === this.touched.length)
      this.touched = growInt(this.touched, this.touchedCount * 2);
    this.touched[this.touchedCount++] = slot;
  }

  private grow(capacity: number): void {
    this.free = growFloat(this.free, capacity);
    this.locked = growFloat(this.locked, capacity);
    this.account = growInt(this.account, capacity);
    this.accountId = growFloat(this.accountId, capacity);
    this.asset = growInt(this.asset, capacity);
    const stamp = new Uint32Array(capacity);
    stamp.set(this.stamp);
    this.stamp = stamp;
  }
}
