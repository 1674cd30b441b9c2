/**
 * An account as the engine knows it: where its balances live and which orders it has open.
 * Created on its first deposit (or when the engine is restored), never removed.
 */
export class Account {
  readonly id: number;
  readonly index: number;
  /** Balance slot per asset index, -1 where the account never held the asset. */
  slots: Int32Array;
  /** Head and tail of the intrusive list of this account's open orders, in placement order. */
  openHead = -1;
  openTail = -1;
  openCount = 0;
  /** Open orders by client order id; created on first use. */
  clientIds: Map<string, number> | null = null;

  constructor(id: number, index: number, assetsMax: number) {
    this.id = id;
    this.index = index;
    this.slots = new Int32Array(assetsMax).fill(-1);
  }
}
