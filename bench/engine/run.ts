import { OrderBook } from 'nodejs-order-book';
import { measureLatency, runLockstep, type RunTally } from './lockstep-runner.ts';
import { fundedEngine } from './market-setup.ts';
import { collectGarbage } from './settle.ts';
import { peerCalls, runPeer, type PeerCall } from './peer-runner.ts';
import { generateWorkload, restingTarget, type WorkloadCommand } from './workload.ts';

/**
 * `npm run bench:engine`: the workload through Lockstep's engine and nodejs-order-book in
 * one process. Untimed: generating the seeded workload, funding accounts, seeding both books with
 * the same 10,000 resting orders, and a full garbage collection plus a short settle before every
 * timed pass (so neither engine pays for the other's garbage). Timed: the measured commands, on
 * fresh engines, three passes per engine in alternating order, the median pass reported (the same
 * rule for both; the median rather than the best, so a lucky quiet moment does not flatter either). Every pass must show the same fills,
 * traded lots and cancellations on both engines, or the run fails. Last line: one JSON object.
 */
const seed = Number(process.env.BENCH_SEED ?? 20240611);
const commandsMeasured = Number(process.env.BENCH_COMMANDS ?? 1_000_000);
const warmupCommands = 300_000;
const passes = 3;

function perSecond(tally: RunTally): number {
  return Math.round(commandsMeasured / (tally.nanoseconds / 1e9));
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function describe(name: string, tally: RunTally): void {
  const seconds = (tally.nanoseconds / 1e9).toFixed(3);
  console.log(
    `${name.padEnd(18)} ${seconds} s  ${perSecond(tally).toLocaleString('en')} commands/s  ` +
      `fills ${tally.fills}  lots ${tally.volume}  cancels ${tally.cancels}  rejected ${tally.rejected}`,
  );
}

/** A separate seeded workload for warming up, so that no timed command was seen before. */
interface WarmUp {
  workload: WorkloadCommand[];
  calls: PeerCall[];
}

function warmUp(): WarmUp {
  const workload = generateWorkload(seed + 1, restingTarget, warmupCommands);
  const calls = peerCalls(workload);
  runLockstep(fundedEngine(), workload, 0, workload.length);
  measureLatency(fundedEngine(), workload, 0, workload.length);
  runPeer(new OrderBook(), calls, 0, calls.length);
  return { workload, calls };
}

/**
 * Each timed pass is preceded by a short untimed run of the same engine's code: after the other
 * engine's pass (and its garbage collections) V8 may have let this engine's compiled code go.
 */
const rewarmCommands = 100_000;

/** One timed pass of Lockstep on a fresh engine whose book holds the seeding orders. */
function lockstepPass(workload: WorkloadCommand[], warm: WarmUp): { tally: RunTally; auditClean: boolean } {
  runLockstep(fundedEngine(), warm.workload, 0, rewarmCommands);
  const engine = fundedEngine();
  runLockstep(engine, workload, 0, restingTarget);
  collectGarbage();
  const tally = runLockstep(engine, workload, restingTarget, workload.length);
  return { tally, auditClean: engine.audit().ok };
}

/** One timed pass of the peer on a fresh book holding the same seeding orders. */
function peerPass(calls: PeerCall[], warm: WarmUp): RunTally {
  runPeer(new OrderBook(), warm.calls, 0, rewarmCommands);
  const book = new OrderBook();
  runPeer(book, calls, 0, restingTarget);
  collectGarbage();
  return runPeer(book, calls, restingTarget, calls.length);
}

function latencyPercentiles(
  workload: WorkloadCommand[],
  warm: WarmUp,
): { p50: number; p99: number; p999: number } {
  measureLatency(fundedEngine(), warm.workload, 0, rewarmCommands);
  const engine = fundedEngine();
  runLockstep(engine, workload, 0, restingTarget);
  collectGarbage();
  const samples = measureLatency(engine, workload, restingTarget, workload.length).sort();
  return {
    p50: percentile(samples, 0.5) / 1000,
    p99: percentile(samples, 0.99) / 1000,
    p999: percentile(samples, 0.999) / 1000,
  };
}

function sameWork(a: RunTally, b: RunTally): boolean {
  return (
    a.fills === b.fills &&
    a.volume === b.volume &&
    a.cancels === b.cancels &&
    a.rejected === 0 &&
    b.rejected === 0
  );
}

function main(): void {
  let started = Date.now();
  const workload = generateWorkload(seed, restingTarget, commandsMeasured);
  const calls = peerCalls(workload);
  console.log(
    `workload: seed ${seed}, ${restingTarget} seeding orders + ${commandsMeasured} commands, generated in ${Date.now() - started} ms`,
  );
  started = Date.now();
  const warm = warmUp();
  console.log(`warm-up: ${warmupCommands} commands per engine in ${Date.now() - started} ms`);
  const ours: RunTally[] = [];
  const theirs: RunTally[] = [];
  let auditClean = true;
  for (let pass = 0; pass < passes; pass++) {
    if (pass % 2 === 1) theirs.push(peerPass(calls, warm));
    const lockstep = lockstepPass(workload, warm);
    auditClean &&= lockstep.auditClean;
    ours.push(lockstep.tally);
    if (pass % 2 === 0) theirs.push(peerPass(calls, warm));
  }
  const median = (tallies: RunTally[]): RunTally =>
    [...tallies].sort((a, b) => a.nanoseconds - b.nanoseconds)[Math.floor(tallies.length / 2)]!;
  describe('lockstep', median(ours));
  describe('nodejs-order-book', median(theirs));
  console.log(
    `passes (commands/s): lockstep ${ours.map(perSecond).join(', ')}; peer ${theirs.map(perSecond).join(', ')}`,
  );
  console.log(`lockstep audit after every pass: ${auditClean ? 'clean' : 'FAILED'}`);
  const latency = latencyPercentiles(workload, warm);
  console.log(
    `lockstep latency per command: p50 ${latency.p50.toFixed(2)} µs  p99 ${latency.p99.toFixed(2)} µs  p99.9 ${latency.p999.toFixed(2)} µs`,
  );
  const equivalent = [...ours, ...theirs].every((tally) => sameWork(tally, ours[0]!));
  if (!equivalent || !auditClean) {
    console.error('the two engines did not do the same work (or the audit failed); the comparison is void');
    process.exitCode = 1;
  }
  const lockstepPerSec = perSecond(median(ours));
  const peerPerSec = perSecond(median(theirs));
  const ratio = Math.round((lockstepPerSec / peerPerSec) * 100) / 100;
  const p99Micros = Math.round(latency.p99 * 100) / 100;
  console.log(JSON.stringify({ commands: commandsMeasured, lockstepPerSec, peerPerSec, ratio, p99Micros }));
}

main();
