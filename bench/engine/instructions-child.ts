import { execFileSync } from 'node:child_process';
import { runLockstep } from './lockstep-runner.ts';
import { fundedEngine } from './market-setup.ts';
import { generateWorkload, restingTarget } from './workload.ts';

/**
 * The measured process of `bench:engine-instructions`, run by `instructions.ts` under valgrind's
 * callgrind with counting off. It builds the seeded workload, warms the engine's code on two
 * throwaway engines, seeds a fresh engine's book, then switches callgrind's counting on (through
 * `callgrind_control`, which talks to the valgrind process hosting this one) for exactly the
 * measured commands and off again. Prints the run's tally as one JSON line.
 *
 * Usage: instructions-child.ts SEED COMMANDS WARMUP
 */
const [seed, measured, warmup] = process.argv.slice(2).map(Number) as [number, number, number];

const workload = generateWorkload(seed, restingTarget, Math.max(measured, warmup));

/** Runs callgrind_control on this process (valgrind runs the program in its own process). */
function control(...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(process.pid)], { stdio: 'ignore' });
}

/** Turns callgrind's instruction counting on or off for this process. */
function counting(on: boolean): void {
  control('-i', on ? 'on' : 'off');
}

for (let pass = 0; pass < 2; pass++) runLockstep(fundedEngine(), workload, 0, restingTarget + warmup);
const engine = fundedEngine();
runLockstep(engine, workload, 0, restingTarget);
// Switching counting on and off costs instructions of its own (the return from one child process
// and the start of the next), more the first time. Two empty on/off cycles are counted and dumped
// to part files of their own; the parent subtracts the second from the measured part.
for (const name of ['first-empty-cycle', 'empty-cycle']) {
  counting(true);
  counting(false);
  control(`--dump=${name}`);
}
counting(true);
const tally = runLockstep(engine, workload, restingTarget, restingTarget + measured);
counting(false);
if (!engine.audit().ok) throw new Error('the audit failed after the measured commands');
console.log(JSON.stringify(tally));
