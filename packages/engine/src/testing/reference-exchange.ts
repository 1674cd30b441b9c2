import type { CancelAllCommand, CancelOrderCommand, Command, PlaceOrderCommand } from '../commands.ts';
import { Market, type AssetConfig, type MarketConfig } from '../market.ts';
import { OrderStatus, OrderType, Side, TimeInForce } from '../order-enums.ts';
import { Result } from '../result-codes.ts';
import { plan, sortSide, type Plan, type RefOrder } from './reference-plan.ts';

/** A trade as the reference records it. */
export interface RefTrade {
  market: number;
  tradeId: number;
  price: number;
  quantity: number;
  quoteQty: number;
  buyerOrderId: number;
  sellerOrderId: number;
  buyerIsMaker: boolean;
  buyerFee: number;
  sellerFee: number;
}

/** The fee in BigInt arithmetic, rounded up: independent of the engine's split computation. */
function referenceFee(amount: number, ppm: number): number {
  return Number((BigInt(amount) * BigInt(ppm) + 999_999n) / 1_000_000n);
}

/**
 * A naive exchange for property tests: LIMIT (GTC/IOC/FOK), LIMIT_MAKER, MARKET by quantity or
 * quote amount, cancels, self-trade prevention, deposits, with the ledger as a Map of plain
 * objects. It follows the engine's documented rules with the simplest code that could work.
 */
export class ReferenceExchange {
  readonly markets: Market[];
  readonly books: { bids: RefOrder[]; asks: RefOrder[] }[];
  readonly balances = new Map<string, { free: number; locked: number }>();
  readonly accounts = new Set<number>();
  readonly deposits = new Set<string>();
  readonly nextTradeId: number[];
  nextOrderId = 1;
  trades: RefTrade[] = [];
  touched = new Map<number, RefOrder>();

  constructor(
    assets: AssetConfig[],
    configs: MarketConfig[],
    readonly feeAccount: number,
    readonly openOrdersMax: number,
  ) {
    const assetIndex = new Map(assets.map((asset, index) => [asset.code, index]));
    this.markets = configs.map((config, index) => new Market(index, config, assets, assetIndex));
    this.books = configs.map(() => ({ bids: [], asks: [] }));
    this.nextTradeId = configs.map(() => 1);
    this.accounts.add(feeAccount);
  }

  /** The balance record of an account and asset (created at zero). */
  balance(account: number, asset: number): { free: number; locked: number } {
    const key = `${account}:${asset}`;
    let found = this.balances.get(key);
    if (found === undefined) {
      found = { free: 0, locked: 0 };
      this.balances.set(key, found);
    }
    return found;
  }

  /** Open orders of all books, in the engine's export order. */
  openOrders(): RefOrder[] {
    return this.books.flatMap((book) => [...book.bids, ...book.asks]);
  }

  /** Runs one command; `trades` and `touched` describe what it did. */
  execute(command: Command): number {
    this.trades = [];
    this.touched = new Map();
    switch (command.kind) {
      case 'place':
        return this.place(command);
      case 'cancel':
        return this.cancel(command);
      case 'cancelAll':
        return this.cancelAll(command);
      case 'deposit': {
        if (this.deposits.has(command.txId)) return Result.DEPOSIT_ALREADY_CREDITED;
        this.deposits.add(command.txId);
        this.accounts.add(command.account);
        this.balance(command.account, command.asset).free += command.amount;
        return Result.OK;
      }
      case 'close':
      case 'withdraw':
      case 'withdrawalStep':
        throw new Error(`the reference does not model ${command.kind}`);
    }
  }

  private openCount(account: number): number {
    return this.openOrders().filter((order) => order.account === account).length;
  }

  private checkFilters(m: Market, c: PlaceOrderCommand): number {
    const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
    if (c.type === OrderType.MARKET) {
      if (c.price !== 0) return Result.INVALID_PARAMETER;
      if (c.quoteOrderQty !== 0) {
        if (c.quantity !== 0) return Result.INVALID_PARAMETER;
        return c.quoteOrderQty < m.minNotional ? Result.MIN_NOTIONAL : Result.OK;
      }
      return inRange(c.quantity, m.marketMinLots, m.marketMaxLots) ? Result.OK : Result.MARKET_LOT_SIZE;
    }
    if (c.quoteOrderQty !== 0) return Result.INVALID_PARAMETER;
    if (!inRange(c.price, m.minPriceTicks, m.maxPriceTicks)) return Result.PRICE_FILTER;
    if (!inRange(c.quantity, m.minLots, m.maxLots)) return Result.LOT_SIZE;
    if (c.price * c.quantity * m.quotePerTickLot < m.minNotional) return Result.MIN_NOTIONAL;
    return Result.OK;
  }

  private place(c: PlaceOrderCommand): number {
    const m = this.markets[c.market];
    if (m === undefined) return Result.UNKNOWN_SYMBOL;
    const exists = this.accounts.has(c.account);
    if (exists && c.clientOrderId !== '') {
      const open = this.openOrders().find(
        (o) => o.account === c.account && o.clientOrderId === c.clientOrderId,
      );
      if (open !== undefined) return Result.DUPLICATE_CLIENT_ORDER_ID;
    }
    const filter = this.checkFilters(m, c);
    if (filter !== Result.OK) return filter;
    if (!exists) return Result.INSUFFICIENT_BALANCE;
    const mayRest = c.type !== OrderType.MARKET && c.timeInForce === TimeInForce.GTC;
    const mayRestAny = mayRest || c.type === OrderType.LIMIT_MAKER;
    if (mayRestAny && this.openCount(c.account) >= this.openOrdersMax) return Result.MAX_OPEN_ORDERS;
    return c.type === OrderType.MARKET ? this.placeMarket(m, c) : this.placeLimit(m, c);
  }

  private opposite(m: Market, side: number): RefOrder[] {
    const book = this.books[m.index]!;
    return side === Side.BUY ? book.asks : book.bids;
  }

  private placeLimit(m: Market, c: PlaceOrderCommand): number {
    const opposite = this.opposite(m, c.side);
    const best = opposite[0];
    const crosses =
      best !== undefined && (c.side === Side.BUY ? best.price <= c.price : best.price >= c.price);
    if (c.type === OrderType.LIMIT_MAKER && crosses) return Result.WOULD_MATCH;
    const buy = c.side === Side.BUY;
    const reserve = buy ? c.price * c.quantity * m.quotePerTickLot : c.quantity * m.lotUnits;
    if (this.balance(c.account, buy ? m.quote : m.base).free < reserve) return Result.INSUFFICIENT_BALANCE;
    const taker = { account: c.account, side: c.side, stp: c.stp, limitPrice: c.price, lots: c.quantity };
    const outcome = plan(opposite, { ...taker, budget: Infinity }, m.quotePerTickLot);
    if (c.type === OrderType.LIMIT && c.timeInForce === TimeInForce.FOK && outcome.lots < c.quantity) {
      return Result.FOK_NOT_FILLABLE;
    }
    const gtc = c.type === OrderType.LIMIT_MAKER || c.timeInForce === TimeInForce.GTC;
    this.run(m, c, reserve, outcome, gtc, false);
    return Result.OK;
  }

  private placeMarket(m: Market, c: PlaceOrderCommand): number {
    const buy = c.side === Side.BUY;
    const byQuote = c.quoteOrderQty > 0;
    const taker = { account: c.account, side: c.side, stp: c.stp, limitPrice: null };
    const lots = byQuote ? Infinity : c.quantity;
    const budget = byQuote ? c.quoteOrderQty : Infinity;
    const outcome = plan(this.opposite(m, c.side), { ...taker, lots, budget }, m.quotePerTickLot);
    let reserve: number;
    if (buy) reserve = byQuote ? c.quoteOrderQty : outcome.quote;
    else reserve = byQuote ? outcome.lots * m.lotUnits : c.quantity * m.lotUnits;
    if (this.balance(c.account, buy ? m.quote : m.base).free < reserve) return Result.INSUFFICIENT_BALANCE;
    this.run(m, c, reserve, outcome, false, byQuote);
    return Result.OK;
  }

  /** Executes a planned taker: lock, apply the plan, rest or end, release what is not needed. */
  private run(
    m: Market,
    c: PlaceOrderCommand,
    reserve: number,
    outcome: Plan,
    gtc: boolean,
    byQuote: boolean,
  ): void {
    const buy = c.side === Side.BUY;
    const lockedBalance = this.balance(c.account, buy ? m.quote : m.base);
    lockedBalance.free -= reserve;
    lockedBalance.locked += reserve;
    const taker: RefOrder = {
      id: this.nextOrderId++,
      account: c.account,
      market: m.index,
      side: c.side,
      type: c.type,
      timeInForce: c.type === OrderType.LIMIT ? c.timeInForce : TimeInForce.GTC,
      stp: c.stp,
      status: OrderStatus.NEW,
      price: c.price,
      quantity: c.quantity,
      executed: 0,
      cumQuote: 0,
      quoteOrderQty: c.quoteOrderQty,
      clientOrderId: c.clientOrderId,
    };
    let spent = 0;
    for (const step of outcome.steps) {
      if (step.kind === 'expire') this.close(step.maker, OrderStatus.EXPIRED_IN_MATCH);
      else spent += this.fill(m, taker, step.maker, step.lots);
    }
    if (byQuote) taker.quantity = taker.executed;
    const remaining = taker.quantity - taker.executed;
    let rests = false;
    if (outcome.stop === 'selfTrade') taker.status = OrderStatus.EXPIRED_IN_MATCH;
    else if (byQuote) {
      const used = outcome.stop === 'budget' || outcome.budgetLeft === 0;
      taker.status = taker.executed > 0 && used ? OrderStatus.FILLED : OrderStatus.EXPIRED;
    } else if (remaining === 0) taker.status = OrderStatus.FILLED;
    else if (gtc) {
      rests = true;
      taker.status = taker.executed > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
    } else taker.status = OrderStatus.EXPIRED;
    const keep = rests ? this.reservation(m, taker) : 0;
    lockedBalance.locked -= reserve - spent - keep;
    lockedBalance.free += reserve - spent - keep;
    if (rests) {
      const book = this.books[m.index]!;
      const own = buy ? book.bids : book.asks;
      own.push(taker);
      sortSide(own);
    }
    this.touched.set(taker.id, { ...taker });
  }

  private reservation(m: Market, order: RefOrder): number {
    const remaining = order.quantity - order.executed;
    return order.side === Side.BUY ? remaining * order.price * m.quotePerTickLot : remaining * m.lotUnits;
  }

  /** Applies one fill; returns what the taker spent from its lock. */
  private fill(m: Market, taker: RefOrder, maker: RefOrder, lots: number): number {
    const quote = maker.price * lots * m.quotePerTickLot;
    const base = lots * m.lotUnits;
    const takerBuys = taker.side === Side.BUY;
    const buyer = takerBuys ? taker : maker;
    const seller = takerBuys ? maker : taker;
    const buyerFee = referenceFee(base, takerBuys ? m.takerFeePpm : m.makerFeePpm);
    const sellerFee = referenceFee(quote, takerBuys ? m.makerFeePpm : m.takerFeePpm);
    this.balance(seller.account, m.base).locked -= base;
    this.balance(buyer.account, m.base).free += base - buyerFee;
    this.balance(this.feeAccount, m.base).free += buyerFee;
    this.balance(buyer.account, m.quote).locked -= quote;
    this.balance(seller.account, m.quote).free += quote - sellerFee;
    this.balance(this.feeAccount, m.quote).free += sellerFee;
    for (const order of [taker, maker]) {
      order.executed += lots;
      order.cumQuote += quote;
    }
    const tradeId = this.nextTradeId[m.index]!++;
    const [buyerOrderId, sellerOrderId] = [buyer.id, seller.id];
    this.trades.push({
      market: m.index,
      tradeId,
      price: maker.price,
      quantity: lots,
      quoteQty: quote,
      buyerOrderId,
      sellerOrderId,
      buyerIsMaker: !takerBuys,
      buyerFee,
      sellerFee,
    });
    if (maker.executed === maker.quantity) {
      maker.status = OrderStatus.FILLED;
      this.removeFromBook(maker);
    } else maker.status = OrderStatus.PARTIALLY_FILLED;
    this.touched.set(maker.id, { ...maker });
    return takerBuys ? quote : base;
  }

  private removeFromBook(order: RefOrder): void {
    const book = this.books[order.market]!;
    const side = order.side === Side.BUY ? book.bids : book.asks;
    side.splice(side.indexOf(order), 1);
  }

  /** Cancels or expires a resting order and unlocks what it held. */
  private close(order: RefOrder, status: number): void {
    const m = this.markets[order.market]!;
    const held = this.reservation(m, order);
    const balance = this.balance(order.account, order.side === Side.BUY ? m.quote : m.base);
    balance.locked -= held;
    balance.free += held;
    order.status = status;
    this.removeFromBook(order);
    this.touched.set(order.id, { ...order });
  }

  private cancel(c: CancelOrderCommand): number {
    if (this.markets[c.market] === undefined) return Result.UNKNOWN_SYMBOL;
    const order = this.openOrders().find((o) =>
      c.orderId !== 0
        ? o.id === c.orderId
        : c.clientOrderId !== '' && o.clientOrderId === c.clientOrderId && o.account === c.account,
    );
    if (order === undefined || order.account !== c.account || order.market !== c.market)
      return Result.UNKNOWN_ORDER;
    this.close(order, OrderStatus.CANCELED);
    return Result.OK;
  }

  private cancelAll(c: CancelAllCommand): number {
    if (this.markets[c.market] === undefined) return Result.UNKNOWN_SYMBOL;
    const mine = this.openOrders()
      .filter((o) => o.account === c.account && o.market === c.market)
      .sort((a, b) => a.id - b.id);
    for (const order of mine) this.close(order, OrderStatus.CANCELED);
    return mine.length > 0 ? Result.OK : Result.UNKNOWN_ORDER;
  }
}
