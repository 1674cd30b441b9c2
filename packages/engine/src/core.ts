import { Account } from './account.ts';
import { invariantBroken } from './assert.ts';
import { Balances } from './balances.ts';
import { EventBuffer, EventKind, recordLength } from './event-buffer.ts';
import { writeDepth } from './event-writer.ts';
import { LevelPool } from './level-pool.ts';
import type { AssetConfig, Market } from './market.ts';
import { OrderIndex } from './order-index.ts';
import { growFloat, growInt, OrderPool } from './order-pool.ts';

/** Limits and identities an engine is created with. */
export interface EngineOptions {
  /** The account that collects trading and withdrawal fees. */
  feeAccountId: number;
  /** Open orders (resting plus waiting stops) one account may hold across all markets. */
  openOrdersPerAccountMax: number;
  /** Assets the engine can ever know; sizes each account's slot table. */
  assetsMax: number;
  /** Initial order-pool size; it doubles on demand. */
  ordersInitial: number;
}

/** The defaults: fee account 0, Binance's 200 open orders per account, 64 assets. */
export const defaultEngineOptions: EngineOptions = {
  feeAccountId: 0,
  openOrdersPerAccountMax: 200,
  assetsMax: 64,
  ordersInitial: 1024,
};

/** A withdrawal that has locked funds and not yet reached a final status. */
export interface OpenWithdrawal {
  id: number;
  account: number;
  asset: number;
  amount: number;
  fee: number;
  status: number;
}

/**
 * The engine's whole mutable state, shared by the command handlers (each in its own module).
 * Nothing here performs I/O or reads a clock; the same commands always give the same state.
 */
export class Core {
  readonly options: EngineOptions;
  readonly assets: AssetConfig[] = [];
  readonly assetIndex = new Map<string, number>();
  readonly markets: Market[] = [];
  readonly marketIndex = new Map<string, number>();
  readonly accounts = new Map<number, Account>();
  readonly accountList: Account[] = [];
  /** Accounts with small ids by id: an array index is cheaper than a Map lookup per command. */
  readonly accountsById: (Account | undefined)[] = [];
  readonly balances = new Balances(1024);
  readonly orders: OrderPool;
  readonly levels = new LevelPool(1024);
  readonly events = new EventBuffer();
  /** Open orders (resting or waiting stops) by order id: O(1) cancel. */
  readonly orderSlots = new OrderIndex();
  /** Net external inflow per asset: deposits minus completed withdrawals. */
  readonly externalNet: number[] = [];
  readonly depositTxIds = new Set<string>();
  readonly withdrawals = new Map<number, OpenWithdrawal>();
  nextOrderId = 1;
  nextWithdrawalId = 1;
  /** The order (or withdrawal) the last command created or found, for the host's response. */
  lastOrderId = 0;
  lastWithdrawalId = 0;
  /** What the current taker has locked and not yet spent. */
  takerLocked = 0;
  /** Results of the last `simulateTake`: lots it would fill and their quote cost. */
  simLots = 0;
  simQuote = 0;
  /** The quote budget a market order by quote amount had left when matching stopped. */
  budgetLeft = 0;
  /** Price levels changed in this command, emitted as DEPTH records at its end. */
  depthMarket: Int32Array = new Int32Array(64);
  depthSide: Int32Array = new Int32Array(64);
  depthPrice: Float64Array = new Float64Array(64);
  depthLevel: Int32Array = new Int32Array(64);
  depthCount = 0;
  commandStamp = 0;

  constructor(options: EngineOptions) {
    this.options = options;
    this.orders = new OrderPool(options.ordersInitial);
  }
}

/** Account ids below this are also found through `accountsById`. */
export const accountDirectIdsMax = 1 << 20;

/** The account with this id, created when `create` is set. */
export function accountOf(core: Core, id: number, create: boolean): Account | undefined {
  const direct = id >= 0 && id < accountDirectIdsMax && (id | 0) === id;
  const found = direct ? core.accountsById[id] : core.accounts.get(id);
  if (found !== undefined || !create) return found;
  const account = new Account(id, core.accountList.length, core.options.assetsMax);
  core.accounts.set(id, account);
  if (direct) {
    while (core.accountsById.length < id) core.accountsById.push(undefined);
    core.accountsById[id] = account;
  }
  core.accountList.push(account);
  return account;
}

/** The balance slot of an account for an asset, created on first use. */
export function balanceSlot(core: Core, account: Account, asset: number): number {
  let slot = account.slots[asset]!;
  if (slot < 0) {
    slot = core.balances.allocate(account.index, account.id, asset);
    account.slots[asset] = slot;
  }
  return slot;
}

/**
 * Records that the level at (market, side, price) changed in this command, remembering its level
 * slot so the end of the command can read its quantity without searching the book again.
 */
export function touchDepth(core: Core, market: number, side: number, price: number, level: number): void {
  const count = core.depthCount;
  // A command touches few levels, so a linear scan de-duplicates cheaper than a map.
  for (let i = 0; i < count; i++) {
    if (core.depthPrice[i] === price && core.depthSide[i] === side && core.depthMarket[i] === market) return;
  }
  if (count === core.depthPrice.length) {
    core.depthMarket = growInt(core.depthMarket, count * 2);
    core.depthSide = growInt(core.depthSide, count * 2);
    core.depthPrice = growFloat(core.depthPrice, count * 2);
    core.depthLevel = growInt(core.depthLevel, count * 2);
  }
  core.depthLevel[count] = level;
  core.depthMarket[count] = market;
  core.depthSide[count] = side;
  core.depthPrice[count] = price;
  core.depthCount = count + 1;
}

/** Starts a command. */
export function beginCommand(core: Core): void {
  core.commandStamp++;
  core.balances.begin();
  core.depthCount = 0;
  core.takerLocked = 0;
}

/**
 * Ends a command: one BALANCE record per changed balance and one DEPTH record per changed level.
 * Room for all of them is reserved once and the records are written in place, with the arrays
 * held in locals: this runs for every command, and a writer call per record cost a quarter more.
 */
export function endCommand(core: Core): void {
  const balances = core.balances;
  const touched = balances.touched;
  const touchedCount = balances.touchedCount;
  const depthCount = core.depthCount;
  const out = core.events;
  const data = out.reserve(touchedCount * recordLength.balance + depthCount * recordLength.depth);
  let i = out.length;
  if (touchedCount > 0) {
    const free = balances.free;
    const locked = balances.locked;
    const accountId = balances.accountId;
    const asset = balances.asset;
    for (let t = 0; t < touchedCount; t++) {
      const slot = touched[t]!;
      const freeNow = free[slot]!;
      const lockedNow = locked[slot]!;
      if (!(freeNow >= 0)) invariantBroken('free balance is negative');
      if (!(lockedNow >= 0)) invariantBroken('locked balance is negative');
      data[i] = EventKind.BALANCE;
      data[i + 1] = accountId[slot]!;
      data[i + 2] = asset[slot]!;
      data[i + 3] = freeNow;
      data[i + 4] = lockedNow;
      i += recordLength.balance;
    }
  }
  out.length = i;
  for (let t = 0; t < depthCount; t++) {
    const market = core.markets[core.depthMarket[t]!]!;
    // One depth update id per command and market, as Binance's `u` (and `U` of the next diff).
    if (market.depthStamp !== core.commandStamp) {
      market.depthStamp = core.commandStamp;
      market.updateId++;
    }
    writeDepth(core, market, core.depthSide[t]!, core.depthPrice[t]!, core.depthLevel[t]!);
  }
}
