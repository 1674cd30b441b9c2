import { EventKind, OrderStatus, recordLength, type Engine, type EventBuffer } from '@lockstep/engine';
import type { WorkloadCommand } from './workload.ts';

/** What a run did, counted on the engine's own output so both engines can be compared. */
export interface RunTally {
  nanoseconds: number;
  fills: number;
  volume: number;
  cancels: number;
  rejected: number;
}

/** Commands per batch: the host drains and clears the event buffer after each, as a group commit would. */
export const batchCommands = 1024;

/** Counts trades, traded lots and cancellations in an event buffer, then clears it. */
export function drainEvents(out: EventBuffer, tally: RunTally): void {
  const d = out.data;
  for (let i = 0; i < out.length;) {
    const kind = d[i]!;
    if (kind === EventKind.TRADE) {
      tally.fills++;
      tally.volume += d[i + 4]!;
      i += recordLength.trade;
    } else if (kind === EventKind.ORDER) {
      if (d[i + 9] === OrderStatus.CANCELED) tally.cancels++;
      i += recordLength.order;
    } else if (kind === EventKind.BALANCE) i += recordLength.balance;
    else i += recordLength.depth;
  }
  out.clear();
}

/** Runs commands [from, to) through the engine, draining events every batch; times the whole loop. */
export function runLockstep(engine: Engine, commands: WorkloadCommand[], from: number, to: number): RunTally {
  const tally: RunTally = { nanoseconds: 0, fills: 0, volume: 0, cancels: 0, rejected: 0 };
  const start = process.hrtime.bigint();
  let inBatch = 0;
  for (let n = from; n < to; n++) {
    if (engine.execute(commands[n]!.lockstep) !== 0) tally.rejected++;
    if (++inBatch === batchCommands) {
      drainEvents(engine.events, tally);
      inBatch = 0;
    }
  }
  drainEvents(engine.events, tally);
  tally.nanoseconds = Number(process.hrtime.bigint() - start);
  return tally;
}

/**
 * Per-command latency: the same commands on a fresh engine, with process.hrtime.bigint() read
 * before and after every command into a preallocated Float64Array (nanoseconds). This is a
 * separate pass so the two clock reads per command (about 50-100 ns) do not distort throughput.
 */
export function measureLatency(
  engine: Engine,
  commands: WorkloadCommand[],
  from: number,
  to: number,
): Float64Array {
  const samples = new Float64Array(to - from);
  let inBatch = 0;
  for (let n = from; n < to; n++) {
    const command = commands[n]!.lockstep;
    const before = process.hrtime.bigint();
    engine.execute(command);
    samples[n - from] = Number(process.hrtime.bigint() - before);
    if (++inBatch === batchCommands) {
      engine.events.clear();
      inBatch = 0;
    }
  }
  return samples;
}
