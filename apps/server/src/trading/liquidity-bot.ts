import { randomBytes } from 'node:crypto';
import {
  OrderType,
  Result,
  Side,
  TimeInForce,
  parseMultiple,
  parseUnits,
  placeOrder,
  type Command,
  type Engine,
  type Market,
  type OrderSnapshot,
  type ResultName,
  mulberry32,
} from '@lockstep/engine';
import { LockstepError } from '@lockstep/protocol';
import type { Store } from '@lockstep/store';
import type { AuthService } from '../services/auth-service.ts';
import type { TradingService } from './trading-service.ts';

/** The bot's account; it never logs in, so nobody needs its password. */
export const liquidityBotEmail = 'liquidity-bot@lockstep.local';

/** What the bot is credited once, per asset; fixed txIds make restarts a no-op. */
export const liquidityBotFunding: Readonly<Record<string, string>> = {
  USDT: '5000000',
  BTC: '100',
  ETH: '2000',
};

/** The deposit txId that funds the bot in one asset. */
export function fundingTxId(asset: string): string {
  return `demo-bot-funding-${asset}`;
}

/** Where each demo market's mid starts when it has never traded. */
export const liquidityBotStartMids: Readonly<Record<string, string>> = {
  BTCUSDT: '50000',
  ETHUSDT: '3000',
  ETHBTC: '0.06',
};

/** The logging the bot needs; Fastify's logger fits. */
export interface BotLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

export interface LiquidityBotOptions {
  trading: TradingService;
  store: Store;
  auth: AuthService;
  log: BotLogger;
  /** Time between ticks; a tick starts only after the previous one finished. */
  intervalMs: number;
  /** Resting orders kept on each side of each market; the bot never holds more than twice this per market. */
  ordersPerSide?: number;
  /** PRNG seed; drawn from node:crypto when absent, so runs differ but one run is reproducible. */
  seed?: number;
}

/** Relative spacing of the bot's price levels (5 bps). */
const levelGapRatio = 0.0005;
/** Standard deviation of one tick's log-price step. */
const walkSigma = 0.0004;
/** How strongly the mid is pulled back toward where it started, per tick, so it cannot wander off. */
const meanReversion = 0.002;
/** Chance per market per tick of a small crossing IOC order, so trades, tickers and candles move. */
const takerChance = 0.4;
/** Chance per side per tick of replacing one resting order, so the book keeps changing when the mid is calm. */
const refreshChance = 0.2;

/** One market the bot quotes: its engine index and the mid it walks (in ticks, fractional). */
interface Quote {
  market: number;
  mid: number;
  /** The mid the walk reverts toward: the last trade price, or the start mid, when the bot started. */
  anchor: number;
}

/**
 * The demo liquidity bot (F1): an ordinary account that keeps resting GTC orders on both sides of
 * every demo market around a seeded random-walk mid, and now and then crosses with a small IOC so
 * the market data moves. It submits straight to the trading host, never over HTTP.
 */
export class LiquidityBot {
  /** The bot's account id, once started. */
  account = 0;
  /** Each asset's funding deposit result at the last start: OK once, DEPOSIT_ALREADY_CREDITED after. */
  readonly funding = new Map<string, ResultName>();
  readonly ordersPerSide: number;
  private readonly random: () => number;
  private readonly quotes: Quote[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LiquidityBotOptions) {
    this.ordersPerSide = options.ordersPerSide ?? 10;
    this.random = mulberry32(options.seed ?? randomBytes(4).readUInt32LE(0));
  }

  /** Most open orders the bot ever holds on one market. */
  get openOrdersMax(): number {
    return 2 * this.ordersPerSide;
  }

  /** Creates and funds the account when needed, then starts ticking. */
  async start(): Promise<void> {
    this.account = await this.ensureAccount();
    await this.fund();
    this.quotes.push(...this.initialQuotes());
    this.options.log.info(
      { account: this.account, markets: this.quotes.length, intervalMs: this.options.intervalMs },
      'liquidity bot started',
    );
    this.schedule();
  }

  /** Stops ticking and waits for a tick in flight, so the host can close after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // A timeout re-armed after each tick (not an interval), so ticks never overlap.
    this.timer = setTimeout(() => {
      this.running = this.safeTick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
    // The bot alone must never keep the process alive.
    this.timer.unref();
  }

  /** One tick that never throws: a busy engine skips it, anything else is logged and the next tick runs. */
  private async safeTick(): Promise<void> {
    try {
      await this.tick();
    } catch (error) {
      if (error instanceof LockstepError && error.code === 'ENGINE_BUSY') {
        this.options.log.debug({}, 'liquidity bot skipped a tick: engine busy');
        return;
      }
      this.options.log.warn({ err: error }, 'liquidity bot tick failed');
    }
  }

  /** Quotes every market in turn; each market's commands go in together, so they share one batch. */
  private async tick(): Promise<void> {
    for (const quote of this.quotes) {
      if (this.stopped) return;
      const market = this.reader.market(quote.market)!;
      this.walk(quote, market);
      const commands = this.plan(quote, market);
      if (commands.length === 0) continue;
      const settled = await Promise.allSettled(commands.map((c) => this.options.trading.submit(c)));
      for (const result of settled) {
        // A refusal (busy engine) is rethrown so the rest of the tick is skipped.
        if (result.status === 'rejected') throw result.reason;
        // Rejections are expected now and then (an order filled just before its cancel); not worth a warning.
        if (result.value.result !== 'OK')
          this.options.log.debug(
            { market: market.symbol, result: result.value.result },
            'liquidity bot command refused',
          );
      }
    }
  }

  private get reader(): Engine {
    return this.options.trading.host.reader;
  }

  private async ensureAccount(): Promise<number> {
    const existing = await this.options.store.repos.accounts.findByEmail(liquidityBotEmail);
    if (existing) return existing.id;
    // A password nobody is told: the bot trades through the host and never logs in.
    const password = randomBytes(32).toString('base64url');
    try {
      return (await this.options.auth.register({ email: liquidityBotEmail, password })).id;
    } catch (error) {
      // Another process on the same store created it first.
      const raced = await this.options.store.repos.accounts.findByEmail(liquidityBotEmail);
      if (raced) return raced.id;
      throw error;
    }
  }

  /** Deposits the funding with fixed txIds; the engine credits each txId once, so restarts add nothing. */
  private async fund(): Promise<void> {
    for (const [code, amount] of Object.entries(liquidityBotFunding)) {
      const asset = this.reader.assetId(code);
      const decimals = asset === undefined ? undefined : this.reader.asset(asset)?.decimals;
      if (asset === undefined || decimals === undefined) continue;
      const units = parseUnits(amount, decimals);
      if (units.code !== 0) throw new Error(`bad liquidity bot funding ${amount} ${code}`);
      const outcome = await this.options.trading.submit({
        kind: 'deposit',
        account: this.account,
        asset,
        amount: units.value,
        txId: fundingTxId(code),
      });
      this.funding.set(code, outcome.result);
      if (outcome.result !== 'OK' && outcome.result !== 'DEPOSIT_ALREADY_CREDITED') {
        this.options.log.warn({ asset: code, result: outcome.result }, 'liquidity bot funding refused');
      }
    }
  }

  /** A quote per known demo market, continuing from its last trade price when it has one. */
  private initialQuotes(): Quote[] {
    const quotes: Quote[] = [];
    for (const [symbol, start] of Object.entries(liquidityBotStartMids)) {
      const index = this.reader.marketId(symbol);
      const market = index === undefined ? undefined : this.reader.market(index);
      if (index === undefined || !market) continue;
      const parsed = parseMultiple(start, market.tick, Result.PRICE_FILTER);
      const mid = market.lastPrice > 0 ? market.lastPrice : parsed.value;
      if (mid > 0) quotes.push({ market: index, mid, anchor: mid });
    }
    return quotes;
  }

  /** Moves the mid one step of a mean-reverting log random walk, inside the market's price range. */
  private walk(quote: Quote, market: Market): void {
    const shock = (this.random() * 2 - 1) * Math.sqrt(3) * walkSigma;
    const pull = meanReversion * Math.log(quote.anchor / quote.mid);
    const next = quote.mid * Math.exp(shock + pull);
    const margin = (this.ordersPerSide + 2) * gapOf(next);
    quote.mid = Math.min(Math.max(next, market.minPriceTicks + margin), market.maxPriceTicks - margin);
  }

  /** This tick's commands for one market: cancels first, then new resting orders, then maybe a taker. */
  private plan(quote: Quote, market: Market): Command[] {
    const open = this.reader.openOrders(this.account, quote.market);
    const gap = gapOf(quote.mid);
    const stale = open.filter((o) => this.isStale(o, quote.mid, gap));
    for (const side of [Side.BUY, Side.SELL]) {
      const fresh = open.filter((o) => o.side === side && !stale.includes(o));
      if (fresh.length > 0 && this.random() < refreshChance) stale.push(fresh[this.pick(fresh.length)]!);
    }
    const commands: Command[] = stale.map((o) => ({
      kind: 'cancel',
      account: this.account,
      market: quote.market,
      orderId: o.id,
      clientOrderId: '',
    }));
    const kept = open.filter((o) => !stale.includes(o));
    commands.push(...this.restingOrders(quote, market, kept, gap));
    const taker = this.takerOrder(quote, market);
    if (taker) commands.push(taker);
    return commands;
  }

  /** An order that sits on the wrong side of the mid or has drifted beyond the quoted levels. */
  private isStale(order: OrderSnapshot, mid: number, gap: number): boolean {
    const reach = (this.ordersPerSide + 2) * gap;
    return order.side === Side.BUY
      ? order.price >= mid || order.price < mid - reach
      : order.price <= mid || order.price > mid + reach;
  }

  /** New GTC orders on free levels until each side holds `ordersPerSide`; never crossing the book. */
  private restingOrders(quote: Quote, market: Market, kept: OrderSnapshot[], gap: number): Command[] {
    const top = this.reader.depth(quote.market, 1);
    const bestBid = top.bids[0]?.[0] ?? 0;
    const bestAsk = top.asks[0]?.[0] ?? Infinity;
    const commands: Command[] = [];
    for (const side of [Side.BUY, Side.SELL]) {
      const mine = kept.filter((o) => o.side === side);
      const taken = new Set(mine.map((o) => o.price));
      let count = mine.length;
      for (let level = 1; level <= this.ordersPerSide && count < this.ordersPerSide; level++) {
        const price =
          side === Side.BUY
            ? Math.floor(quote.mid) - level * gap - this.pick(gap)
            : Math.ceil(quote.mid) + level * gap + this.pick(gap);
        if (taken.has(price) || price < market.minPriceTicks || price > market.maxPriceTicks) continue;
        // Resting orders only provide liquidity; crossing is the taker's job, in small sizes.
        if (side === Side.BUY ? price >= bestAsk : price <= bestBid) continue;
        const quantity = this.lotsFor(market, price, 20 * 100 ** this.random());
        if (quantity === 0) continue;
        taken.add(price);
        count += 1;
        commands.push(placeOrder({ account: this.account, market: quote.market, side, price, quantity }));
      }
    }
    return commands;
  }

  /** Sometimes, a small IOC at the best opposite price, which trades (often with the bot itself). */
  private takerOrder(quote: Quote, market: Market): Command | undefined {
    if (this.random() >= takerChance) return undefined;
    const side = this.random() < 0.5 ? Side.BUY : Side.SELL;
    const top = this.reader.depth(quote.market, 1);
    const level = side === Side.BUY ? top.asks[0] : top.bids[0];
    if (!level) return undefined;
    const quantity = Math.min(this.lotsFor(market, level[0], 2 + 18 * this.random()), level[1]);
    if (quantity === 0 || level[0] * quantity * market.quotePerTickLot < market.minNotional) return undefined;
    return placeOrder({
      account: this.account,
      market: quote.market,
      side,
      type: OrderType.LIMIT,
      timeInForce: TimeInForce.IOC,
      price: level[0],
      quantity,
    });
  }

  /** Lots worth about `multiple` × the market's minimum notional at `price`, within the lot filter (0 if none fits). */
  private lotsFor(market: Market, price: number, multiple: number): number {
    const perLot = price * market.quotePerTickLot;
    const lots = Math.max(market.minLots, Math.ceil((market.minNotional * multiple) / perLot));
    return lots <= market.maxLots ? lots : 0;
  }

  /** A uniform integer in [0, n). */
  private pick(n: number): number {
    return Math.floor(this.random() * n);
  }
}

/** Distance between the bot's price levels, in ticks, at a mid of `mid` ticks (at least one tick). */
function gapOf(mid: number): number {
  return Math.max(1, Math.round(mid * levelGapRatio));
}
