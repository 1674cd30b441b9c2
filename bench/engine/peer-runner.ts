import { OrderBook, Side, type LimitOrderOptions, type MarketOrderOptions } from 'nodejs-order-book';
import type { RunTally } from './lockstep-runner.ts';
import type { WorkloadCommand } from './workload.ts';

type PeerTimeInForce = NonNullable<LimitOrderOptions['timeInForce']>;

/** A workload command as the arguments of the peer's own API, built before timing. */
export type PeerCall =
  | { kind: 0; options: LimitOrderOptions }
  | { kind: 1; options: MarketOrderOptions }
  | { kind: 2; id: string };

/** Translates the workload into the peer's calls: limit() with GTC/IOC, market(), cancel(). */
export function peerCalls(commands: WorkloadCommand[]): PeerCall[] {
  return commands.map((command): PeerCall => {
    const side = command.peerSide === 'buy' ? Side.BUY : Side.SELL;
    if (command.peerKind === 2) return { kind: 2, id: command.peerId };
    if (command.peerKind === 1) return { kind: 1, options: { side, size: command.peerSize } };
    const timeInForce = command.peerTif as unknown as PeerTimeInForce;
    return {
      kind: 0,
      options: { side, id: command.peerId, size: command.peerSize, price: command.peerPrice, timeInForce },
    };
  });
}

/**
 * Runs calls [from, to) through nodejs-order-book's OrderBook and counts its fills from its own
 * responses: makers fully filled (`done`, less the taker itself) plus a partially filled maker
 * (`partial` when it is not the taker); traded lots are size minus `quantityLeft`.
 */
export function runPeer(book: OrderBook, calls: PeerCall[], from: number, to: number): RunTally {
  const tally: RunTally = { nanoseconds: 0, fills: 0, volume: 0, cancels: 0, rejected: 0 };
  const start = process.hrtime.bigint();
  for (let n = from; n < to; n++) {
    const call = calls[n]!;
    if (call.kind === 2) {
      if (book.cancel(call.id)?.order !== undefined) tally.cancels++;
      else tally.rejected++;
      continue;
    }
    const response = call.kind === 0 ? book.limit(call.options) : book.market(call.options);
    if (response.err !== null) {
      tally.rejected++;
      continue;
    }
    const takerId = call.kind === 0 ? call.options.id : '';
    for (const done of response.done) if (done.id !== takerId) tally.fills++;
    if (response.partial !== null && response.partial.id !== takerId) tally.fills++;
    tally.volume += call.options.size - response.quantityLeft;
  }
  tally.nanoseconds = Number(process.hrtime.bigint() - start);
  return tally;
}
