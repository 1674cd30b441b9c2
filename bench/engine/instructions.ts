import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { callgrindLauncher, callgrindReady, callgrindTotal } from '../callgrind.ts';
import type { RunTally } from './lockstep-runner.ts';

/**
 * `npm run bench:engine-instructions`: the machine instructions Lockstep's engine executes per
 * command on the workload of `bench:engine`, counted by valgrind's callgrind. On a shared VM the
 * clock cannot show a 5 % change (the same code measured 0.9–3.9 µs a command from one pass to
 * the next on a noisy one); runs of this count for the same code with the same Node agree within
 * 0.1 %, so two versions of the engine can be compared on any machine. It is not time: it ignores
 * cache misses and how many instructions retire per cycle, so `bench:engine` stays the figure the
 * issue's targets are judged by.
 *
 * The engine runs in a child process under callgrind with counting switched on only for the
 * measured commands (instructions-child.ts). Node runs in V8's deterministic mode
 * (`--predictable`: one thread, fixed hash and random seeds, a garbage-collection schedule that
 * does not depend on measured timings), so compilation and collections are counted where they
 * fall, at the same places on every run. The peer is not counted here: that schedule collects more
 * often than V8's normal one, which would charge an allocation-heavy engine more than it pays.
 */
const seed = Number(process.env.BENCH_SEED ?? 20240611);
const commands = Number(process.env.BENCH_COMMANDS ?? 100_000);
/** Commands the engine runs twice on throwaway engines first, so its hot code is optimised. */
const warmupCommands = 100_000;

const run = promisify(execFile);
const child = fileURLToPath(new URL('./instructions-child.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

async function main(): Promise<void> {
  if (!callgrindReady('bench:engine-instructions')) return;
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-instructions-'));
  try {
    const started = Date.now();
    const out = join(dir, 'engine.callgrind');
    const [valgrind, ...callgrind] = callgrindLauncher(out);
    const { stdout } = await run(
      valgrind!,
      [
        ...callgrind,
        process.execPath,
        // V8's deterministic mode: one thread, fixed seeds.
        '--predictable',
        '--predictable-gc-schedule',
        '--import',
        tsxLoader,
        child,
        String(seed),
        String(commands),
        String(warmupCommands),
      ],
      { maxBuffer: 1 << 24 },
    );
    // The final part holds the measured commands plus one on/off cycle; part 2 is an empty cycle.
    const instructions = callgrindTotal(out) - callgrindTotal(`${out}.2`);
    const lines = stdout.trim().split('\n');
    const tally = JSON.parse(lines[lines.length - 1]!) as RunTally;
    const perCommand = Math.round(instructions / commands);
    console.log(
      `seed ${seed}: ${commands} measured commands after ${warmupCommands} warm-up commands (twice), ` +
        `${Math.round((Date.now() - started) / 1000)} s under callgrind`,
    );
    console.log(
      `lockstep ${perCommand.toLocaleString('en')} instructions/command  fills ${tally.fills}  ` +
        `lots ${tally.volume}  cancels ${tally.cancels}  rejected ${tally.rejected}  audit clean`,
    );
    console.log(JSON.stringify({ commands, instructions, instructionsPerCommand: perCommand }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
