import {
  EventKind,
  OrderStatus,
  OrderType,
  Result,
  Side,
  TimeInForce,
  cancelOrder,
  placeOrder,
  recordLength,
  type Command,
  type Engine,
} from '@lockstep/engine';
import { accountsTotal, fundedEngine, midTicks } from './market-setup.ts';
import { mulberry32 } from '@lockstep/engine';

/** One command in both engines' vocabularies, built before timing starts. */
export interface WorkloadCommand {
  lockstep: Command;
  /** The order id Lockstep gave a placed order (the cancelled one's for a cancel). */
  orderId: number;
  /** 0 limit, 1 market, 2 cancel (the peer's three calls). */
  peerKind: number;
  peerSide: 'buy' | 'sell';
  peerId: string;
  peerSize: number;
  peerPrice: number;
  peerTif: 'GTC' | 'IOC';
}

/** The book size the workload steers toward. */
export const restingTarget = 10_000;

/** Open order ids with O(1) insert, delete and uniform random pick. */
class RestingSet {
  ids: number[] = [];
  accounts: number[] = [];
  private index = new Map<number, number>();
  add(id: number, account: number): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    this.accounts.push(account);
  }
  delete(id: number): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    const lastId = this.ids.pop()!;
    const lastAccount = this.accounts.pop()!;
    if (at < this.ids.length) {
      this.ids[at] = lastId;
      this.accounts[at] = lastAccount;
      this.index.set(lastId, at);
    }
    this.index.delete(id);
  }
}

/**
 * Generates the seeded workload by running it once through a Lockstep engine (untimed), which is
 * how it knows which orders are resting when it picks one to cancel and what ids they got. Both
 * engines later replay the identical list. `seedOrders` non-crossing GTC orders come first and
 * build the book up to the target; the next `commands` follow the mix of the issue.
 */
export function generateWorkload(seed: number, seedOrders: number, commands: number): WorkloadCommand[] {
  const random = mulberry32(seed);
  const engine = fundedEngine();
  const resting = new RestingSet();
  const list: WorkloadCommand[] = [];
  const total = seedOrders + commands;
  for (let n = 0; n < total; n++) {
    const command = n < seedOrders ? passiveOrder(random, engine) : nextCommand(random, engine, resting);
    const code = engine.execute(command.lockstep);
    if (code !== Result.OK) throw new Error(`workload command ${n} rejected with code ${code}`);
    if (command.peerKind !== 2) {
      command.orderId = engine.lastOrderId;
      command.peerId = String(engine.lastOrderId);
    }
    trackResting(engine, resting);
    list.push(command);
  }
  return list;
}

function nextCommand(random: () => number, engine: Engine, resting: RestingSet): WorkloadCommand {
  const pick = random();
  if (pick < 0.3 && resting.ids.length > 0) {
    const at = Math.floor(random() * resting.ids.length);
    const id = resting.ids[at]!;
    const lockstep = cancelOrder(resting.accounts[at]!, 0, { orderId: id });
    return {
      lockstep,
      orderId: id,
      peerKind: 2,
      peerSide: 'buy',
      peerId: String(id),
      peerSize: 0,
      peerPrice: 0,
      peerTif: 'GTC',
    };
  }
  if (pick < 0.4) return aggressiveOrder(random, engine);
  // Cross more often when the book is above target, less when below, to hold it near the target.
  const crossing = Math.min(0.5, Math.max(0.02, 0.1 + (resting.ids.length - restingTarget) / restingTarget));
  return random() < crossing ? crossingOrder(random, engine) : passiveOrder(random, engine);
}

function best(engine: Engine): { bid: number; ask: number } {
  const depth = engine.depth(0, 1);
  const bid = depth.bids[0]?.[0] ?? midTicks - 1;
  const ask = depth.asks[0]?.[0] ?? Math.max(bid + 1, midTicks + 1);
  return { bid, ask };
}

function limitCommand(
  side: number,
  price: number,
  quantity: number,
  tif: number,
  random: () => number,
): WorkloadCommand {
  const account = 1 + Math.floor(random() * accountsTotal);
  const lockstep = placeOrder({ account, market: 0, side, price, quantity, timeInForce: tif });
  const peerSide = side === Side.BUY ? 'buy' : 'sell';
  const peerTif = tif === TimeInForce.IOC ? 'IOC' : 'GTC';
  return {
    lockstep,
    orderId: 0,
    peerKind: 0,
    peerSide,
    peerId: '',
    peerSize: quantity,
    peerPrice: price,
    peerTif,
  };
}

/** A GTC order inside its own side of the book, up to 400 ticks away, mostly close. */
function passiveOrder(random: () => number, engine: Engine): WorkloadCommand {
  const { bid, ask } = best(engine);
  const side = random() < 0.5 ? Side.BUY : Side.SELL;
  const distance = Math.floor(random() * random() * 400);
  const price = side === Side.BUY ? Math.max(1, ask - 1 - distance) : bid + 1 + distance;
  return limitCommand(side, price, 1 + Math.floor(random() * 10), TimeInForce.GTC, random);
}

/** A GTC order priced up to 2 ticks through the best opposite price. */
function crossingOrder(random: () => number, engine: Engine): WorkloadCommand {
  const { bid, ask } = best(engine);
  const side = random() < 0.5 ? Side.BUY : Side.SELL;
  const through = Math.floor(random() * 3);
  const price = side === Side.BUY ? ask + through : Math.max(1, bid - through);
  return limitCommand(side, price, 1 + Math.floor(random() * 10), TimeInForce.GTC, random);
}

/** Half IOC limits 2 ticks through the best price, half market orders; 5-30 lots. */
function aggressiveOrder(random: () => number, engine: Engine): WorkloadCommand {
  const side = random() < 0.5 ? Side.BUY : Side.SELL;
  const quantity = 5 + Math.floor(random() * 26);
  if (random() < 0.5) {
    const { bid, ask } = best(engine);
    return limitCommand(
      side,
      side === Side.BUY ? ask + 2 : Math.max(1, bid - 2),
      quantity,
      TimeInForce.IOC,
      random,
    );
  }
  const account = 1 + Math.floor(random() * accountsTotal);
  const lockstep = placeOrder({ account, market: 0, side, type: OrderType.MARKET, quantity });
  const peerSide = side === Side.BUY ? 'buy' : 'sell';
  return {
    lockstep,
    orderId: 0,
    peerKind: 1,
    peerSide,
    peerId: '',
    peerSize: quantity,
    peerPrice: 0,
    peerTif: 'GTC',
  };
}

/** Reads the ORDER records of the last command and keeps the resting set current. */
function trackResting(engine: Engine, resting: RestingSet): void {
  const out = engine.events;
  const d = out.data;
  for (let i = 0; i < out.length;) {
    const kind = d[i]!;
    if (kind === EventKind.ORDER) {
      const status = d[i + 9]!;
      const open = status === OrderStatus.NEW || status === OrderStatus.PARTIALLY_FILLED;
      if (open) resting.add(d[i + 2]!, d[i + 3]!);
      else resting.delete(d[i + 2]!);
      i += recordLength.order;
    } else if (kind === EventKind.TRADE) i += recordLength.trade;
    else if (kind === EventKind.BALANCE) i += recordLength.balance;
    else if (kind === EventKind.DEPTH) i += recordLength.depth;
    else throw new Error(`unexpected event kind ${kind}`);
  }
  out.clear();
}
