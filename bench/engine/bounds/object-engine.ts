import {
  EventBuffer,
  EventKind,
  OrderStatus,
  OrderType,
  Result,
  Side,
  TimeInForce,
  feeOf,
  recordLength,
  type CancelOrderCommand,
  type Command,
  type Market,
  type PlaceOrderCommand,
} from '@lockstep/engine';

/**
 * A second engine, written only to measure how fast Lockstep's duties can be done in JavaScript
 * (`npm run bench:engine-bounds`). It is not used anywhere else and covers only what the
 * benchmark's workload sends: one market, LIMIT GTC/IOC, MARKET by quantity, cancel by order id,
 * no self-trade prevention, no stops, no client order ids. For those it does everything Lockstep's
 * engine does per command: the same checks and filters, balance checks and locks, maker and taker
 * fees, postings with their invariants, price-time matching, and the same ORDER, TRADE, BALANCE and
 * DEPTH records, number for number (the bench compares them command by command).
 *
 * The difference is the data model. Lockstep keeps orders, levels and balances in typed arrays
 * indexed by slot; here they are pooled objects that point at each other, the model V8 compiles to
 * the fewest instructions per field. Nothing here allocates per command once the pools are warm.
 */

class Balance {
  free = 0;
  locked = 0;
  /** The command that last touched it (BALANCE records are written once per command). */
  stamp = 0;
  constructor(
    readonly accountId: number,
    readonly asset: number,
  ) {}
}

class Account {
  balances: (Balance | null)[] = [];
  openCount = 0;
  openHead: Order | null = null;
  openTail: Order | null = null;
  constructor(readonly id: number) {}
}

class Level {
  price = 0;
  side = 0;
  quantity = 0;
  count = 0;
  head: Order | null = null;
  tail: Order | null = null;
  /** False once emptied and back in the pool. */
  live = false;
}

class Order {
  id = 0;
  account: Account | null = null;
  side = 0;
  type = 0;
  tif = 0;
  stp = 0;
  status = 0;
  price = 0;
  stopPrice = 0;
  quantity = 0;
  executed = 0;
  cumQuote = 0;
  quoteOrderQty = 0;
  next: Order | null = null;
  prev: Order | null = null;
  level: Level | null = null;
  base: Balance | null = null;
  quote: Balance | null = null;
  accountNext: Order | null = null;
  accountPrev: Order | null = null;
}

/** One side of the book: levels sorted so that the best is last, as in Lockstep's BookSide. */
class BookSide {
  levels: Level[] = [];
  constructor(readonly sign: number) {}

  /** The index of the level at `price`, or -(insertion index) - 1; gallops down from the best. */
  search(price: number): number {
    const levels = this.levels;
    const sign = this.sign;
    const key = sign * price;
    const last = levels.length - 1;
    if (last < 0) return -1;
    const top = sign * levels[last]!.price;
    if (top === key) return last;
    if (top < key) return -last - 2;
    let high = last - 1;
    let span = 1;
    let low = last - span;
    while (low > 0 && sign * levels[low]!.price > key) {
      high = low - 1;
      span *= 2;
      low = last - span;
    }
    if (low < 0) low = 0;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const probe = sign * levels[middle]!.price;
      if (probe < key) low = middle + 1;
      else if (probe > key) high = middle - 1;
      else return middle;
    }
    return -low - 1;
  }
}

function isSmallEnum(value: number, max: number): boolean {
  return value >>> 0 === value && value <= max;
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Open orders by id: direct-mapped on sequential ids, as Lockstep's OrderIndex. */
const indexBits = 20;
const indexMask = (1 << indexBits) - 1;

export class ObjectEngine {
  readonly events = new EventBuffer();
  private readonly accounts: (Account | undefined)[] = [];
  private readonly orderPool: Order[] = [];
  private readonly levelPool: Level[] = [];
  private readonly open: (Order | null)[] = new Array<Order | null>(1 << indexBits).fill(null);
  private readonly bids = new BookSide(1);
  private readonly asks = new BookSide(-1);
  private readonly touched: Balance[] = [];
  private touchedCount = 0;
  private readonly depthLevels: Level[] = [];
  private readonly depthPrices: number[] = [];
  private readonly depthSides: number[] = [];
  private depthCount = 0;
  private stamp = 1;
  private nextOrderId = 1;
  private nextTradeId = 1;
  private updateId = 0;
  private takerLocked = 0;
  private readonly feeBase: Balance;
  private readonly feeQuote: Balance;

  /** `market` is Lockstep's market 0 with base asset 1 and quote asset 0 (market-setup.ts). */
  constructor(
    private readonly market: Market,
    private readonly openOrdersMax: number,
  ) {
    const fees = this.account(0);
    this.feeBase = this.balance(fees, market.base);
    this.feeQuote = this.balance(fees, market.quote);
  }

  deposit(accountId: number, asset: number, amount: number): void {
    this.balance(this.account(accountId), asset).free += amount;
  }

  execute(cmd: Command): number {
    this.stamp++;
    this.touchedCount = 0;
    this.depthCount = 0;
    this.takerLocked = 0;
    let code: number = Result.INVALID_PARAMETER;
    if (cmd.kind === 'place') code = this.place(cmd);
    else if (cmd.kind === 'cancel') code = this.cancel(cmd);
    this.endCommand();
    return code;
  }

  private account(id: number): Account {
    let account = this.accounts[id];
    if (account === undefined) {
      account = new Account(id);
      while (this.accounts.length < id) this.accounts.push(undefined);
      this.accounts[id] = account;
    }
    return account;
  }

  private balance(account: Account, asset: number): Balance {
    while (account.balances.length <= asset) account.balances.push(null);
    let balance = account.balances[asset]!;
    if (balance === null) {
      balance = new Balance(account.id, asset);
      account.balances[asset] = balance;
    }
    return balance;
  }

  private touch(balance: Balance): void {
    if (balance.stamp === this.stamp) return;
    balance.stamp = this.stamp;
    this.touched[this.touchedCount++] = balance;
  }

  /** Remembers a changed level by (side, price), as Lockstep's touchDepth does. */
  private touchDepth(level: Level): void {
    const count = this.depthCount;
    const price = level.price;
    const side = level.side;
    for (let k = 0; k < count; k++) {
      if (this.depthPrices[k] === price && this.depthSides[k] === side) return;
    }
    this.depthLevels[count] = level;
    this.depthPrices[count] = price;
    this.depthSides[count] = side;
    this.depthCount = count + 1;
  }

  private endCommand(): void {
    const touchedCount = this.touchedCount;
    const depthCount = this.depthCount;
    const out = this.events;
    const data = out.reserve(touchedCount * recordLength.balance + depthCount * recordLength.depth);
    let i = out.length;
    for (let t = 0; t < touchedCount; t++) {
      const balance = this.touched[t]!;
      if (!(balance.free >= 0 && balance.locked >= 0)) throw new Error('a balance went negative');
      data[i] = EventKind.BALANCE;
      data[i + 1] = balance.accountId;
      data[i + 2] = balance.asset;
      data[i + 3] = balance.free;
      data[i + 4] = balance.locked;
      i += recordLength.balance;
    }
    if (depthCount > 0) this.updateId++;
    for (let t = 0; t < depthCount; t++) {
      const level = this.depthLevels[t]!;
      const price = this.depthPrices[t]!;
      const side = this.depthSides[t]!;
      let quantity = 0;
      if (level.live && level.price === price && level.side === side) quantity = level.quantity;
      else {
        const bookSide = side === Side.BUY ? this.bids : this.asks;
        const index = bookSide.search(price);
        quantity = index >= 0 ? bookSide.levels[index]!.quantity : 0;
      }
      data[i] = EventKind.DEPTH;
      data[i + 1] = 0;
      data[i + 2] = this.updateId;
      data[i + 3] = side;
      data[i + 4] = price;
      data[i + 5] = quantity;
      i += recordLength.depth;
    }
    out.length = i;
  }

  private writeOrder(order: Order): void {
    const out = this.events;
    const data = out.reserve(recordLength.order);
    const i = out.length;
    data[i] = EventKind.ORDER;
    data[i + 1] = 0;
    data[i + 2] = order.id;
    data[i + 3] = order.account!.id;
    data[i + 4] = -1;
    data[i + 5] = order.side;
    data[i + 6] = order.type;
    data[i + 7] = order.tif;
    data[i + 8] = order.stp;
    data[i + 9] = order.status;
    data[i + 10] = order.price;
    data[i + 11] = order.stopPrice;
    data[i + 12] = order.quantity;
    data[i + 13] = order.executed;
    data[i + 14] = order.cumQuote;
    data[i + 15] = order.quoteOrderQty;
    data[i + 16] = 0;
    out.length = i + recordLength.order;
  }

  private place(cmd: PlaceOrderCommand): number {
    const market = this.market;
    const shape =
      isSmallEnum(cmd.side, 1) &&
      isSmallEnum(cmd.type, OrderType.TAKE_PROFIT_LIMIT) &&
      isSmallEnum(cmd.timeInForce, 2) &&
      isSmallEnum(cmd.stp, 3);
    if (!shape || cmd.stp !== 0 || cmd.stopPrice !== 0) return Result.INVALID_PARAMETER;
    if (typeof cmd.clientOrderId !== 'string' || cmd.clientOrderId !== '')
      return Result.INVALID_CLIENT_ORDER_ID;
    const account = this.accounts[cmd.account];
    if (account === undefined) return Result.INSUFFICIENT_BALANCE;
    if (cmd.type === OrderType.LIMIT) {
      if (cmd.quoteOrderQty !== 0) return Result.INVALID_PARAMETER;
      if (!inRange(cmd.price, market.minPriceTicks, market.maxPriceTicks)) return Result.PRICE_FILTER;
      if (!inRange(cmd.quantity, market.minLots, market.maxLots)) return Result.LOT_SIZE;
      if (cmd.price * cmd.quantity * market.quotePerTickLot < market.minNotional) return Result.MIN_NOTIONAL;
      if (cmd.timeInForce === TimeInForce.GTC && account.openCount >= this.openOrdersMax) {
        return Result.MAX_OPEN_ORDERS;
      }
      return this.placeLimit(account, cmd);
    }
    if (cmd.type === OrderType.MARKET) {
      if (cmd.price !== 0 || cmd.quoteOrderQty !== 0) return Result.INVALID_PARAMETER;
      if (!inRange(cmd.quantity, market.marketMinLots, market.marketMaxLots)) return Result.MARKET_LOT_SIZE;
      return this.placeMarket(account, cmd);
    }
    return Result.INVALID_PARAMETER;
  }

  private freeOf(account: Account, asset: number): number {
    return account.balances[asset]?.free ?? 0;
  }

  private newOrder(account: Account, cmd: PlaceOrderCommand, reserve: number): Order {
    const order = this.orderPool.pop() ?? new Order();
    order.id = this.nextOrderId++;
    order.account = account;
    order.side = cmd.side;
    order.type = cmd.type;
    order.tif = cmd.type === OrderType.MARKET ? TimeInForce.GTC : cmd.timeInForce;
    order.stp = cmd.stp;
    order.status = OrderStatus.NEW;
    order.price = cmd.price;
    order.stopPrice = cmd.stopPrice;
    order.quantity = cmd.quantity;
    order.executed = 0;
    order.cumQuote = 0;
    order.quoteOrderQty = cmd.quoteOrderQty;
    order.base = this.balance(account, this.market.base);
    order.quote = this.balance(account, this.market.quote);
    const locked = cmd.side === Side.BUY ? order.quote : order.base;
    locked.free -= reserve;
    locked.locked += reserve;
    this.touch(locked);
    this.takerLocked = reserve;
    return order;
  }

  private placeLimit(account: Account, cmd: PlaceOrderCommand): number {
    const market = this.market;
    const buy = cmd.side === Side.BUY;
    const opposite = (buy ? this.asks : this.bids).levels;
    const best = opposite.length > 0 ? opposite[opposite.length - 1]!.price : 0;
    const crosses = opposite.length > 0 && (buy ? best <= cmd.price : best >= cmd.price);
    const reserve = buy ? cmd.price * cmd.quantity * market.quotePerTickLot : cmd.quantity * market.lotUnits;
    if (this.freeOf(account, buy ? market.quote : market.base) < reserve) return Result.INSUFFICIENT_BALANCE;
    if (cmd.timeInForce === TimeInForce.FOK) return Result.INVALID_PARAMETER;
    const order = this.newOrder(account, cmd, reserve);
    if (!crosses && cmd.timeInForce === TimeInForce.GTC) {
      this.addToLevel(order);
      this.registerOpen(account, order);
      this.takerLocked = 0;
      this.writeOrder(order);
      return Result.OK;
    }
    this.match(order, cmd.price, cmd.quantity);
    this.finishTaker(account, order, cmd.timeInForce === TimeInForce.GTC);
    return Result.OK;
  }

  private placeMarket(account: Account, cmd: PlaceOrderCommand): number {
    const market = this.market;
    const buy = cmd.side === Side.BUY;
    let reserve = cmd.quantity * market.lotUnits;
    if (buy) {
      // A market buy locks what the book charges now, walked as the match will walk it.
      let lots = cmd.quantity;
      let quote = 0;
      const levels = this.asks.levels;
      for (let k = levels.length - 1; k >= 0 && lots > 0; k--) {
        const level = levels[k]!;
        const take = level.quantity < lots ? level.quantity : lots;
        quote += take * level.price * market.quotePerTickLot;
        lots -= take;
      }
      reserve = quote;
    }
    if (this.freeOf(account, buy ? market.quote : market.base) < reserve) return Result.INSUFFICIENT_BALANCE;
    const order = this.newOrder(account, cmd, reserve);
    this.match(order, buy ? Infinity : -Infinity, cmd.quantity);
    this.finishTaker(account, order, false);
    return Result.OK;
  }

  private addToLevel(order: Order): void {
    const bookSide = order.side === Side.BUY ? this.bids : this.asks;
    let index = bookSide.search(order.price);
    let level: Level;
    if (index >= 0) level = bookSide.levels[index]!;
    else {
      level = this.levelPool.pop() ?? new Level();
      level.price = order.price;
      level.side = order.side;
      level.quantity = 0;
      level.count = 0;
      level.head = null;
      level.tail = null;
      level.live = true;
      index = -index - 1;
      const levels = bookSide.levels;
      levels.push(level);
      for (let k = levels.length - 1; k > index; k--) levels[k] = levels[k - 1]!;
      levels[index] = level;
    }
    const tail = level.tail;
    order.prev = tail;
    order.next = null;
    if (tail === null) level.head = order;
    else tail.next = order;
    level.tail = order;
    level.count++;
    level.quantity += order.quantity - order.executed;
    order.level = level;
    this.touchDepth(level);
  }

  private removeFromLevel(order: Order): void {
    const level = order.level!;
    const prev = order.prev;
    const next = order.next;
    if (prev === null) level.head = next;
    else prev.next = next;
    if (next === null) level.tail = prev;
    else next.prev = prev;
    order.level = null;
    level.quantity -= order.quantity - order.executed;
    this.touchDepth(level);
    if (--level.count === 0) {
      if (level.quantity !== 0) throw new Error('an empty level has quantity');
      const bookSide = order.side === Side.BUY ? this.bids : this.asks;
      const levels = bookSide.levels;
      const last = levels.length - 1;
      const index = levels[last] === level ? last : bookSide.search(level.price);
      for (let k = index; k < last; k++) levels[k] = levels[k + 1]!;
      levels.pop();
      level.live = false;
      level.head = level.tail = null;
      this.levelPool.push(level);
    }
  }

  private registerOpen(account: Account, order: Order): void {
    const cell = order.id & indexMask;
    if (this.open[cell] !== null) throw new Error('two open orders share an index cell');
    this.open[cell] = order;
    const tail = account.openTail;
    order.accountPrev = tail;
    order.accountNext = null;
    if (tail === null) account.openHead = order;
    else tail.accountNext = order;
    account.openTail = order;
    account.openCount++;
  }

  private unregisterOpen(order: Order): void {
    const account = order.account!;
    this.open[order.id & indexMask] = null;
    const prev = order.accountPrev;
    const next = order.accountNext;
    if (prev === null) account.openHead = next;
    else prev.accountNext = next;
    if (next === null) account.openTail = prev;
    else next.accountPrev = prev;
    account.openCount--;
  }

  private release(order: Order): void {
    order.account = null;
    order.base = order.quote = null;
    order.next = order.prev = order.accountNext = order.accountPrev = null;
    this.orderPool.push(order);
  }

  private match(taker: Order, limit: number, wanted: number): void {
    const buy = taker.side === Side.BUY;
    const levels = (buy ? this.asks : this.bids).levels;
    let remaining = wanted;
    while (remaining > 0 && levels.length > 0) {
      const level = levels[levels.length - 1]!;
      const price = level.price;
      if (buy ? price > limit : price < limit) break;
      let maker = level.head;
      while (maker !== null && remaining > 0) {
        const next = maker.next;
        const lots = Math.min(maker.quantity - maker.executed, remaining);
        this.fill(taker, maker, price, lots);
        remaining -= lots;
        maker = next;
      }
    }
  }

  /** Postings of one fill, as Lockstep's `fill`: fees come out of what each side receives. */
  private fill(taker: Order, maker: Order, price: number, lots: number): void {
    const market = this.market;
    const quote = price * lots * market.quotePerTickLot;
    const base = lots * market.lotUnits;
    const takerBuys = taker.side === Side.BUY;
    const buyer = takerBuys ? taker : maker;
    const seller = takerBuys ? maker : taker;
    const buyerFee = feeOf(base, takerBuys ? market.takerFeePpm : market.makerFeePpm);
    const sellerFee = feeOf(quote, takerBuys ? market.makerFeePpm : market.takerFeePpm);
    const sellerBase = seller.base!;
    const buyerBase = buyer.base!;
    const buyerQuote = buyer.quote!;
    const sellerQuote = seller.quote!;
    sellerBase.locked -= base;
    buyerBase.free += base - buyerFee;
    buyerQuote.locked -= quote;
    sellerQuote.free += quote - sellerFee;
    if (!(sellerBase.locked >= 0 && buyerQuote.locked >= 0))
      throw new Error('a fill spent more than was locked');
    this.touch(sellerBase);
    this.touch(buyerBase);
    this.touch(buyerQuote);
    this.touch(sellerQuote);
    if (buyerFee > 0) {
      this.feeBase.free += buyerFee;
      this.touch(this.feeBase);
    }
    if (sellerFee > 0) {
      this.feeQuote.free += sellerFee;
      this.touch(this.feeQuote);
    }
    this.takerLocked -= takerBuys ? quote : base;
    taker.executed += lots;
    taker.cumQuote += quote;
    maker.executed += lots;
    maker.cumQuote += quote;
    const out = this.events;
    const data = out.reserve(recordLength.trade);
    const i = out.length;
    data[i] = EventKind.TRADE;
    data[i + 1] = 0;
    data[i + 2] = this.nextTradeId++;
    data[i + 3] = price;
    data[i + 4] = lots;
    data[i + 5] = quote;
    data[i + 6] = buyer.id;
    data[i + 7] = seller.id;
    data[i + 8] = buyer.account!.id;
    data[i + 9] = seller.account!.id;
    data[i + 10] = takerBuys ? 0 : 1;
    data[i + 11] = buyerFee;
    data[i + 12] = sellerFee;
    out.length = i + recordLength.trade;
    const level = maker.level!;
    level.quantity -= lots;
    if (maker.executed === maker.quantity) {
      maker.status = OrderStatus.FILLED;
      this.writeOrder(maker);
      this.removeFromLevel(maker);
      this.unregisterOpen(maker);
      this.release(maker);
    } else {
      this.touchDepth(level);
      maker.status = OrderStatus.PARTIALLY_FILLED;
      this.writeOrder(maker);
    }
  }

  private finishTaker(account: Account, order: Order, canRest: boolean): void {
    const remaining = order.quantity - order.executed;
    const rests = remaining > 0 && canRest;
    if (remaining === 0) order.status = OrderStatus.FILLED;
    else if (rests) order.status = order.executed > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
    else order.status = OrderStatus.EXPIRED;
    if (rests) {
      this.addToLevel(order);
      this.registerOpen(account, order);
    }
    const surplus = this.takerLocked - (rests ? this.reservationOf(order) : 0);
    if (!(surplus >= 0)) throw new Error('a taker holds less than its remainder needs');
    if (surplus > 0) this.unlock(order, surplus);
    this.takerLocked = 0;
    this.writeOrder(order);
    if (!rests) this.release(order);
  }

  /** What a resting order holds locked: its remaining base, or its remaining cost at its price. */
  private reservationOf(order: Order): number {
    const remaining = order.quantity - order.executed;
    if (order.side === Side.SELL) return remaining * this.market.lotUnits;
    return remaining * order.price * this.market.quotePerTickLot;
  }

  /** Moves `amount` of what an order locked back to free. */
  private unlock(order: Order, amount: number): void {
    const locked = order.side === Side.SELL ? order.base! : order.quote!;
    locked.locked -= amount;
    locked.free += amount;
    this.touch(locked);
    if (!(locked.locked >= 0)) throw new Error('an order unlocked more than it locked');
  }

  private cancel(cmd: CancelOrderCommand): number {
    const account = this.accounts[cmd.account];
    if (account === undefined || cmd.orderId === 0) return Result.UNKNOWN_ORDER;
    const order = this.open[cmd.orderId & indexMask];
    if (order === null || order === undefined || order.id !== cmd.orderId || order.account !== account) {
      return Result.UNKNOWN_ORDER;
    }
    const reserved = this.reservationOf(order);
    this.removeFromLevel(order);
    this.unlock(order, reserved);
    order.status = OrderStatus.CANCELED;
    this.writeOrder(order);
    this.unregisterOpen(order);
    this.release(order);
    return Result.OK;
  }
}
