import type { ChildProcess } from 'node:child_process';
import { signal, spawnServer } from '../../test/support/child-server.ts';
import type { ServerProbe, ServerRequest } from './server-entry.ts';

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
 * with `--expose-gc` and an IPC channel, and waits for its URL.
 */
export async function startBenchServer(dataDir: string): Promise<BenchServer> {
  const { child, url, stderr } = await spawnServer(dataDir, {
    entry: 'bench/sync/server-entry.ts',
    nodeFlags: ['--expose-gc'],
    ipc: true,
    // The level `npm start` runs at, so the bench pays for whatever the server logs in production.
    logLevel: 'info',
  });
  child.on('exit', (code, how) => {
    if (code !== 0 && how !== 'SIGTERM')
      process.stderr.write(`server exited (${code ?? how}): ${stderr()}\n`);
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
    stop: () => signal(child, 'SIGTERM'),
  };
}
