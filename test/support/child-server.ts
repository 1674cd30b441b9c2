import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A Lockstep server in its own process, so a test can kill it without warning. */
export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** SIGKILL: no shutdown code runs, exactly like a power cut for the process. */
  kill(): Promise<void>;
  /** SIGTERM: the server shuts down cleanly. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** The file to run, relative to the repository (the server's `main.ts` by default). */
  entry?: string;
  /** Node flags before the script; `LOCKSTEP_CHILD_NODE_FLAGS` adds more (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Open an IPC channel to the child (`process.send` / `child.on('message')`). */
  ipc?: boolean;
  /** The server's `--log-level` (`error` by default, so test output stays quiet). */
  logLevel?: string;
  /**
   * A program and its arguments that runs Node, such as valgrind (`bench/callgrind.ts`): Node, its
   * flags and the script follow them. The child's pid is then the launcher's.
   */
  launcher?: readonly string[];
}

/**
 * Spawns a server on a free port over `dataDir` and waits for the URL it prints. The demo bot
 * stays off so a seeded run is repeatable; the load comes from the test or bench alone.
 */
export async function spawnServer(
  dataDir: string,
  options: SpawnOptions = {},
): Promise<{ child: ChildProcess; url: string; stderr: () => string; stdout: () => string }> {
  const [command, ...launcherArgs] = options.launcher ?? [process.execPath];
  const child = spawn(
    command!,
    [
      ...(options.launcher ? [...launcherArgs, process.execPath] : []),
      ...(options.nodeFlags ?? []),
      ...(process.env.LOCKSTEP_CHILD_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      options.entry ?? 'apps/server/src/main.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      options.logLevel ?? 'error',
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
      env: { ...process.env, LOCKSTEP_DEMO_BOT: '0' },
    },
  );
  let err = '';
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let found = false;
    // The pipe is drained for the child's whole life (a full pipe would block its writes); the
    // URL is searched for until it appears, and only the last 64 KB are kept for `stdout()`.
    child.stdout!.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-65_536);
      const match = found ? null : /Lockstep is running at (http:\/\/\S+)/.exec(out);
      if (match) {
        found = true;
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.slice(-2000)}`)));
  });
  return { child, url, stderr: () => err, stdout: () => out };
}

/** Starts `apps/server/src/main.ts` on a free port over `dataDir` and waits for its URL. */
export async function startChildServer(dataDir: string): Promise<ChildServer> {
  const { child, url } = await spawnServer(dataDir);
  return {
    url,
    process: child,
    kill: () => signal(child, 'SIGKILL'),
    stop: () => signal(child, 'SIGTERM'),
  };
}

/**
 * Sends the signal and resolves once the process has exited and its output pipes have closed (at
 * once if they have), so everything it wrote can be read.
 */
export function signal(child: ChildProcess, name: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  return new Promise<void>((resolve) => {
    const exited = child.exitCode !== null || child.signalCode !== null;
    const pipesClosed = [child.stdout, child.stderr].every((pipe) => pipe === null || pipe.closed);
    if (exited && pipesClosed) return resolve();
    child.once('close', () => resolve());
    if (!exited) child.kill(name);
  });
}
