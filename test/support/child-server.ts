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

/** Starts `apps/server/src/main.ts` on a free port over `dataDir` and waits for its URL. */
export async function startChildServer(dataDir: string): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.LOCKSTEP_CHILD_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      'apps/server/src/main.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'error',
    ],
    // The demo bot stays off so a seeded run is repeatable; the load comes from the test alone.
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOCKSTEP_DEMO_BOT: '0' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Lockstep is running at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err.slice(-2000)}`)));
  });
  return {
    url,
    process: child,
    kill: () => signal(child, 'SIGKILL'),
    stop: () => signal(child, 'SIGTERM'),
  };
}

function signal(child: ChildProcess, name: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(name);
  });
}
