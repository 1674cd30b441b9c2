import { audit, type AuditReport } from './audit.ts';
import { checkBookIntegrity } from './book-integrity.ts';
import { cancelAll, cancelOrder } from './cancel.ts';
import { closePosition } from './close-position.ts';
import type { Command } from './commands.ts';
import { accountOf, balanceSlot, beginCommand, Core, defaultEngineOptions, endCommand } from './core.ts';
import type { EngineOptions } from './core.ts';
import { decimalsMax } from './decimal.ts';
import type { EventBuffer } from './event-buffer.ts';
import { Market, MarketConfigError, type AssetConfig, type MarketConfig } from './market.ts';
import { placeOrder } from './place-order.ts';
import type { EngineSnapshot, OrderSnapshot } from './snapshot.ts';
import { exportState, orderSnapshot } from './state-export.ts';
import { hashSnapshot } from './state-hash.ts';
import { importState } from './state-import.ts';
import { deposit, requestWithdrawal, stepWithdrawal } from './wallet.ts';

/** A price level in a depth snapshot: [price in ticks, quantity in lots]. */
export type DepthLevel = [price: number, quantity: number];

/** The book as Binance's depth snapshot: `lastUpdateId` matches the `u` of the diffs. */
export interface DepthSnapshot {
  lastUpdateId: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
}

/**
 * The deterministic trading core: ledger plus matching, no I/O, no clock, no randomness.
 * `execute` runs one command and returns a result code (see result-codes.ts); the events it
 * caused are appended to `events`, which the host drains after each batch.
 */
export class Engine {
  private readonly core: Core;

  constructor(options: Partial<EngineOptions> = {}) {
    const merged = { ...defaultEngineOptions, ...options };
    if (!Number.isSafeInteger(merged.feeAccountId) || merged.feeAccountId < 0) {
      throw new RangeError('feeAccountId must be a non-negative safe integer');
    }
    this.core = new Core(merged);
    accountOf(this.core, merged.feeAccountId, true);
  }

  /** Rebuilds an engine from an exported state; it behaves exactly as the engine that exported it. */
  static fromSnapshot(snapshot: EngineSnapshot): Engine {
    const report = audit(snapshot);
    if (!report.ok) throw new Error(`snapshot fails audit: ${report.problems.join('; ')}`);
    const engine = new Engine(snapshot.options);
    for (const asset of snapshot.assets) engine.addAsset(asset);
    for (const market of snapshot.markets) engine.addMarket(market.config);
    importState(engine.core, snapshot);
    const problems = checkBookIntegrity(engine.core);
    if (problems.length > 0) throw new Error(`restored book is inconsistent: ${problems.join('; ')}`);
    return engine;
  }

  /** Registers an asset; returns its index, which commands use. */
  addAsset(asset: AssetConfig): number {
    const core = this.core;
    if (core.assetIndex.has(asset.code)) throw new MarketConfigError(`asset ${asset.code} exists`);
    if (!Number.isInteger(asset.decimals) || asset.decimals < 0 || asset.decimals > decimalsMax) {
      throw new MarketConfigError(`asset ${asset.code}: decimals must be an integer 0..${decimalsMax}`);
    }
    if (core.assets.length >= core.options.assetsMax) throw new MarketConfigError('assetsMax reached');
    core.assetIndex.set(asset.code, core.assets.length);
    core.assets.push({ code: asset.code, decimals: asset.decimals });
    core.externalNet.push(0);
    return core.assets.length - 1;
  }

  /** Configures a market after proving its bounds; returns its index, which commands use. */
  addMarket(config: MarketConfig): number {
    const core = this.core;
    if (core.marketIndex.has(config.symbol)) throw new MarketConfigError(`market ${config.symbol} exists`);
    const market = new Market(core.markets.length, config, core.assets, core.assetIndex);
    const feeAccount = accountOf(core, core.options.feeAccountId, true)!;
    market.feeBaseSlot = balanceSlot(core, feeAccount, market.base);
    market.feeQuoteSlot = balanceSlot(core, feeAccount, market.quote);
    core.markets.push(market);
    core.marketIndex.set(config.symbol, market.index);
    return market.index;
  }

  /** Runs one command; its events are appended to `events`. Rejections change nothing. */
  execute(command: Command): number {
    const core = this.core;
    beginCommand(core);
    let code: number;
    switch (command.kind) {
      case 'place':
        code = placeOrder(core, command);
        break;
      case 'cancel':
        code = cancelOrder(core, command);
        break;
      case 'cancelAll':
        code = cancelAll(core, command);
        break;
      case 'close':
        code = closePosition(core, command);
        break;
      case 'deposit':
        code = deposit(core, command);
        break;
      case 'withdraw':
        code = requestWithdrawal(core, command);
        break;
      case 'withdrawalStep':
        code = stepWithdrawal(core, command);
        break;
    }
    endCommand(core);
    return code;
  }

  /** The output buffer; drain it with decodeEvents and clear it after each batch. */
  get events(): EventBuffer {
    return this.core.events;
  }

  /** The order the last place/cancel/close command created or found (0 when none). */
  get lastOrderId(): number {
    return this.core.lastOrderId;
  }

  /** The withdrawal the last withdrawal command created or moved on. */
  get lastWithdrawalId(): number {
    return this.core.lastWithdrawalId;
  }

  /** The index of an asset code, if configured. */
  assetId(code: string): number | undefined {
    return this.core.assetIndex.get(code);
  }

  /** The index of a market symbol, if configured. */
  marketId(symbol: string): number | undefined {
    return this.core.marketIndex.get(symbol);
  }

  /** A configured asset's code and decimals. */
  asset(index: number): { code: string; decimals: number } | undefined {
    return this.core.assets[index];
  }

  /** A configured market (its integer filters and counters). */
  market(index: number): Market | undefined {
    return this.core.markets[index];
  }

  /** An open order's full state, or undefined when it is not open. */
  openOrder(orderId: number): OrderSnapshot | undefined {
    const slot = this.core.orderSlots.get(orderId);
    return slot < 0 ? undefined : orderSnapshot(this.core, slot);
  }

  /** An account's open orders (optionally on one market), in placement order. */
  openOrders(account: number, market?: number): OrderSnapshot[] {
    const found = this.core.accounts.get(account);
    const orders: OrderSnapshot[] = [];
    if (found === undefined) return orders;
    for (let slot = found.openHead; slot !== -1; slot = this.core.orders.accountNext(slot)) {
      if (market === undefined || this.core.orders.market(slot) === market)
        orders.push(orderSnapshot(this.core, slot));
    }
    return orders;
  }

  /** Free and locked amounts of an account in an asset (zeros when it never held it). */
  balance(account: number, asset: number): { free: number; locked: number } {
    const slot = this.core.accounts.get(account)?.slots[asset] ?? -1;
    if (slot < 0) return { free: 0, locked: 0 };
    return { free: this.core.balances.free[slot]!, locked: this.core.balances.locked[slot]! };
  }

  /** The best `limit` levels of each side with the update id they are current as of. */
  depth(market: number, limit: number): DepthSnapshot {
    const m = this.core.markets[market];
    if (m === undefined) throw new RangeError(`unknown market ${market}`);
    const side = (bookSide: typeof m.bids): DepthLevel[] => {
      const levels: DepthLevel[] = [];
      for (let index = bookSide.size - 1; index >= 0 && levels.length < limit; index--) {
        const level = bookSide.levels[index]!;
        levels.push([this.core.levels.price[level]!, this.core.levels.quantity[level]!]);
      }
      return levels;
    };
    return { lastUpdateId: m.updateId, bids: side(m.bids), asks: side(m.asks) };
  }

  /** The full state as canonical plain data (for restart, audit and hashing). */
  exportState(): EngineSnapshot {
    return exportState(this.core);
  }

  /** A fingerprint of the full state; equal for engines in the same state. */
  stateHash(): string {
    return hashSnapshot(this.exportState());
  }

  /** Runs the auditor over the exported state plus the live book structure checks. */
  audit(): AuditReport {
    const report = audit(this.exportState());
    const problems = [...report.problems, ...checkBookIntegrity(this.core)];
    return { ok: problems.length === 0, problems };
  }
}
