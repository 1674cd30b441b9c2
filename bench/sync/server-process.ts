import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerProbe, ServerRequest } from './server-entry.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The bench's server: its own process, reachable over HTTP and, for memory readings, over IPC. */
export interface BenchServer {
  url: string;
  process: ChildProcess;
  /** Memory (after two full GCs when `gc`), connection count, CPU and event-loop use of the server. */
  probe(gc: boolean): Promise<ServerProbe>;
  /** Starts the server's CPU profiler, or stops it and has the profile written to `file`. */
  profile(action: 'start'): Promise<void>;
  profile(action: 'stop', file: string): Promise<void>;
  /** Has the server write a V8 heap snapshot to `file`. */
  heapSnapshot(file: string): Promise<void>;
  /** SIGTERM: the server closes its connections and the store cleanly. */
  stop(): Promise<void>;
}

/**
 * Starts `bench/sync/server-entry.ts` (the production `serve` path) on a free port over `dataDir`,
 * with `--expose-gc` and whatever `LOCKSTEP_CHILD_NODE_FLAGS` adds (e.g. `--cpu-prof`), and waits
 * for its URL. Like `test/support/child-server.ts`, but with an IPC channel.
 */
export async function startBenchServer(dataDir: string): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(process.env.LOCKSTEP_CHILD_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      'bench/sync/server-entry.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'error',
      '--no-demo-bot',
    ],
    // The demo bot stays off so a seeded run is repeatable; the load comes from the bench alone.
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, LOCKSTEP_DEMO_BOT: '0' },
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Lockstep is running at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM')
      process.stderr.write(`server exited (${code ?? signal}): ${stderr}\n`);
  });
  const waiting = new Map<number, (answer: unknown) => void>();
  child.on('message', (message: { id: number }) => {
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  let nextId = 1;
  const ask = <T>(request: ServerRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.set(request.id, resolve as (answer: unknown) => void);
      child.send(request, (error) => {
        if (error) reject(error);
      });
    });
  return {
    url,
    process: child,
    probe: (gc) => ask<ServerProbe>({ type: 'probe', id: nextId++, gc }),
    async profile(action: 'start' | 'stop', file?: string) {
      await ask(
        action === 'start'
          ? { type: 'profile', id: nextId++, action }
          : { type: 'profile', id: nextId++, action, file: file! },
      );
    },
    async heapSnapshot(file) {
      await ask({ type: 'heap-snapshot', id: nextId++, file });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
