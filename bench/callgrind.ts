import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Whether `name --version` runs. */
function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether valgrind and callgrind_control are installed; if not, says which are missing, for the
 * named bench, and sets a failing exit code.
 */
export function callgrindReady(bench: string): boolean {
  const missing = ['valgrind', 'callgrind_control'].filter((tool) => !hasTool(tool));
  if (missing.length === 0) return true;
  console.error(`${bench} needs ${missing.join(' and ')} (Debian: apt-get install valgrind)`);
  process.exitCode = 1;
  return false;
}

/** The instructions a callgrind output file counted ("summary:" stays 0 when counting starts off). */
export function callgrindTotal(file: string): number {
  const match = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
  if (match === null) throw new Error(`no instruction total in ${file}`);
  return Number(match[1]);
}

/**
 * valgrind under callgrind, counting off until switched on, writing to `out`: the program and
 * arguments that Node, its flags and the script follow.
 */
export function callgrindLauncher(out: string): string[] {
  return ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`];
}
