import { OrderBook } from 'nodejs-order-book';
import { drainEvents, runLockstep, batchCommands, type RunTally } from '../lockstep-runner.ts';
import { accountsTotal, fundedEngine } from '../market-setup.ts';
import { peerCalls, runPeer, type PeerCall } from '../peer-runner.ts';
import { collectGarbage } from '../settle.ts';
import { generateWorkload, restingTarget, type WorkloadCommand } from '../workload.ts';
import { BareBook, runBare } from './bare-book.ts';
import { ObjectEngine } from './object-engine.ts';

/**
 * `npm run bench:engine-bounds`: where Lockstep's engine stands between what JavaScript can do and
 * the peer, on `bench:engine`'s workload in one process (README.md beside this file).
 *
 * - `bare`: the least a book can do (bare-book.ts): matching and cancels only.
 * - `object`: every duty of Lockstep's engine for these commands, written with pooled objects
 *   (object-engine.ts). Its records must equal Lockstep's for every command, or the run fails.
 * - `lockstep`: Lockstep's engine, as in `bench:engine`.
 * - `peer`: nodejs-order-book, as in `bench:engine`.
 *
 * All four must count the same fills, traded lots and cancellations. Three timed passes each on
 * fresh books seeded with the same orders, the order of the four rotating from pass to pass, a
 * full collection before each; the median pass is reported. Last line: one JSON object.
 */
const seed = Number(process.env.BENCH_SEED ?? 20240611);
const commandsMeasured = Number(process.env.BENCH_COMMANDS ?? 1_000_000);
const warmupCommands = 300_000;
const rewarmCommands = 100_000;
const passes = 3;
const openOrdersMax = 1000;

function objectEngine(): ObjectEngine {
  const market = fundedEngine().market(0)!;
  const engine = new ObjectEngine(market, openOrdersMax);
  for (let account = 1; account <= accountsTotal; account++) {
    engine.deposit(account, market.quote, 5_000_000_000_000);
    engine.deposit(account, market.base, 1_000_000_000_000);
  }
  return engine;
}

/**
 * The runner's loop for the object engine: the same as `runLockstep`, kept separate so that each
 * engine's `execute` is called from a call site that only ever sees that engine.
 */
function runObject(engine: ObjectEngine, commands: WorkloadCommand[], from: number, to: number): RunTally {
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

/** Runs the whole workload through both engines and compares their records command by command. */
function sameRecords(workload: WorkloadCommand[]): boolean {
  const lockstep = fundedEngine();
  const objects = objectEngine();
  for (let n = 0; n < workload.length; n++) {
    const command = workload[n]!.lockstep;
    const a = lockstep.execute(command);
    const b = objects.execute(command);
    const left = lockstep.events;
    const right = objects.events;
    let equal = a === b && left.length === right.length;
    for (let i = 0; equal && i < left.length; i++) equal = left.data[i] === right.data[i];
    if (!equal) {
      console.error(`command ${n}: the object engine's records differ from Lockstep's`);
      return false;
    }
    left.clear();
    right.clear();
  }
  return true;
}

const kinds = ['bare', 'object', 'lockstep', 'peer'] as const;
type Kind = (typeof kinds)[number];

interface Prepared {
  workload: WorkloadCommand[];
  calls: PeerCall[];
  orderIds: number;
}

function prepare(workloadSeed: number, commands: number): Prepared {
  const workload = generateWorkload(workloadSeed, restingTarget, commands);
  return { workload, calls: peerCalls(workload), orderIds: workload.length + 1 };
}

/** Runs commands [from, to) of one engine kind on the given fresh book. */
function runKind(kind: Kind, set: Prepared, book: unknown, from: number, to: number): RunTally {
  if (kind === 'bare') return runBare(book as BareBook, set.workload, from, to);
  if (kind === 'object') return runObject(book as ObjectEngine, set.workload, from, to);
  if (kind === 'lockstep')
    return runLockstep(book as ReturnType<typeof fundedEngine>, set.workload, from, to);
  return runPeer(book as OrderBook, set.calls, from, to);
}

function freshBook(kind: Kind, set: Prepared): unknown {
  if (kind === 'bare') return new BareBook(set.orderIds);
  if (kind === 'object') return objectEngine();
  if (kind === 'lockstep') return fundedEngine();
  return new OrderBook();
}

/** One timed pass: a short re-warm, a fresh book holding the seeding orders, a collection, then the clock. */
function timedPass(kind: Kind, set: Prepared, warm: Prepared): RunTally {
  runKind(kind, warm, freshBook(kind, warm), 0, rewarmCommands);
  const book = freshBook(kind, set);
  runKind(kind, set, book, 0, restingTarget);
  collectGarbage();
  return runKind(kind, set, book, restingTarget, set.workload.length);
}

function main(): void {
  const started = Date.now();
  const set = prepare(seed, commandsMeasured);
  const warm = prepare(seed + 1, warmupCommands);
  const identical = sameRecords(set.workload);
  console.log(
    `object engine records ${identical ? 'identical to' : 'DIFFERENT from'} Lockstep's for all ` +
      `${set.workload.length} commands`,
  );
  for (const kind of kinds) runKind(kind, warm, freshBook(kind, warm), 0, warm.workload.length);
  const tallies = new Map<Kind, RunTally[]>(kinds.map((kind) => [kind, []]));
  for (let pass = 0; pass < passes; pass++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(k + pass) % kinds.length]!;
      tallies.get(kind)!.push(timedPass(kind, set, warm));
    }
  }
  const perSecond = (tally: RunTally): number => Math.round(commandsMeasured / (tally.nanoseconds / 1e9));
  const median = (kind: Kind): number => {
    const rates = tallies.get(kind)!.map(perSecond);
    return [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  };
  const first = tallies.get('lockstep')![0]!;
  let sameWork = identical;
  for (const kind of kinds) {
    const list = tallies.get(kind)!;
    for (const t of list) {
      sameWork &&= t.fills === first.fills && t.volume === first.volume && t.cancels === first.cancels;
      sameWork &&= t.rejected === 0;
    }
    console.log(
      `${kind.padEnd(9)} ${median(kind).toLocaleString('en').padStart(11)} commands/s  ` +
        `passes ${list.map(perSecond).join(', ')}  fills ${list[0]!.fills}  lots ${list[0]!.volume}  ` +
        `cancels ${list[0]!.cancels}`,
    );
  }
  if (!sameWork) {
    console.error('the engines did not do the same work; the comparison is void');
    process.exitCode = 1;
  }
  const peer = median('peer');
  const ratio = (kind: Kind): number => Math.round((median(kind) / peer) * 100) / 100;
  console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(
    JSON.stringify({
      commands: commandsMeasured,
      barePerSec: median('bare'),
      objectPerSec: median('object'),
      lockstepPerSec: median('lockstep'),
      peerPerSec: peer,
      bareRatio: ratio('bare'),
      objectRatio: ratio('object'),
      lockstepRatio: ratio('lockstep'),
    }),
  );
}

main();
