import { OrderType, Side, TimeInForce, type Command } from '@lockstep/engine';
import type { RunTally } from '../lockstep-runner.ts';
import type { WorkloadCommand } from '../workload.ts';

/**
 * The least a JavaScript book can do on the benchmark's workload, as a ceiling for
 * `npm run bench:engine-bounds`: price-time matching and cancels, nothing else. No balances, no
 * fees, no checks, no events; the order ids come with the commands (the workload knows them), so
 * it keeps no id counter. Price levels are an array indexed by tick, which only works because this
 * workload's prices stay in a narrow band; orders live in typed arrays indexed by order id. It
 * reads the same command objects as Lockstep's engine and must count the same fills, traded lots
 * and cancels.
 */
const priceSlots = 1 << 18;

export class BareBook {
  private readonly quantity: Int32Array;
  private readonly price: Int32Array;
  private readonly side: Int8Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head = [new Int32Array(priceSlots).fill(-1), new Int32Array(priceSlots).fill(-1)] as const;
  private readonly tail = [new Int32Array(priceSlots).fill(-1), new Int32Array(priceSlots).fill(-1)] as const;
  private bestBid = -1;
  private bestAsk = priceSlots;

  constructor(orderIds: number) {
    this.quantity = new Int32Array(orderIds);
    this.price = new Int32Array(orderIds);
    this.side = new Int8Array(orderIds);
    this.next = new Int32Array(orderIds);
    this.prev = new Int32Array(orderIds);
  }

  /** Runs one command; `id` is the order id Lockstep gave (or cancels). Adds to the tally. */
  execute(cmd: Command, id: number, tally: RunTally): void {
    if (cmd.kind === 'cancel') {
      if (this.quantity[cmd.orderId]! > 0) {
        this.unlink(cmd.orderId);
        tally.cancels++;
      } else tally.rejected++;
      return;
    }
    if (cmd.kind !== 'place') return;
    const side = cmd.side;
    const limit = cmd.type === OrderType.MARKET ? (side === Side.BUY ? priceSlots : -1) : cmd.price;
    const filled = this.take(side, limit, cmd.quantity, tally);
    tally.volume += filled;
    if (cmd.type === OrderType.LIMIT && cmd.timeInForce === TimeInForce.GTC && filled < cmd.quantity) {
      this.rest(id, side, limit, cmd.quantity - filled);
    }
  }

  private rest(id: number, side: number, price: number, quantity: number): void {
    this.quantity[id] = quantity;
    this.price[id] = price;
    this.side[id] = side;
    const tail = this.tail[side]!;
    const last = tail[price]!;
    this.next[id] = -1;
    this.prev[id] = last;
    if (last < 0) this.head[side]![price] = id;
    else this.next[last] = id;
    tail[price] = id;
    if (side === Side.BUY) {
      if (price > this.bestBid) this.bestBid = price;
    } else if (price < this.bestAsk) this.bestAsk = price;
  }

  private unlink(id: number): void {
    const side = this.side[id]!;
    const price = this.price[id]!;
    const prev = this.prev[id]!;
    const next = this.next[id]!;
    if (prev < 0) this.head[side]![price] = next;
    else this.next[prev] = next;
    if (next < 0) this.tail[side]![price] = prev;
    else this.prev[next] = prev;
    this.quantity[id] = 0;
    if (this.head[side]![price]! >= 0) return;
    const head = this.head[side]!;
    if (side === Side.BUY) {
      let best = this.bestBid;
      while (best >= 0 && head[best]! < 0) best--;
      this.bestBid = best;
    } else {
      let best = this.bestAsk;
      while (best < priceSlots && head[best]! < 0) best++;
      this.bestAsk = best;
    }
  }

  /** Matches against the opposite side up to `limit`; returns the lots filled. */
  private take(side: number, limit: number, wanted: number, tally: RunTally): number {
    const opposite = 1 - side;
    const head = this.head[opposite]!;
    let left = wanted;
    while (left > 0) {
      const best = opposite === Side.SELL ? this.bestAsk : this.bestBid;
      const outside = opposite === Side.SELL ? best >= priceSlots || best > limit : best < 0 || best < limit;
      if (outside) break;
      let maker = head[best]!;
      while (maker >= 0 && left > 0) {
        const resting = this.quantity[maker]!;
        tally.fills++;
        if (resting <= left) {
          left -= resting;
          const next = this.next[maker]!;
          this.unlink(maker);
          maker = next;
        } else {
          this.quantity[maker] = resting - left;
          left = 0;
        }
      }
    }
    return wanted - left;
  }
}

/** Runs commands [from, to) through a bare book, timing the whole loop. */
export function runBare(book: BareBook, commands: WorkloadCommand[], from: number, to: number): RunTally {
  const tally: RunTally = { nanoseconds: 0, fills: 0, volume: 0, cancels: 0, rejected: 0 };
  const start = process.hrtime.bigint();
  for (let n = from; n < to; n++) {
    const command = commands[n]!;
    book.execute(command.lockstep, command.orderId, tally);
  }
  tally.nanoseconds = Number(process.hrtime.bigint() - start);
  return tally;
}
