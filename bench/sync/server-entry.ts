import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { Command } from 'commander';
import { addServeOptions, serve, type LockstepServer } from '@lockstep/server';

/**
 * The server process of `bench:sync`: exactly what `npm start` runs (`apps/server/src/main.ts`:
 * the same options, the same `serve`), plus answers over the IPC channel of the process that
 * spawned it — memory and CPU readings, and a CPU profile of a chosen stretch of the run. That
 * keeps the measuring out of the server's HTTP surface: no route is added, and nothing of it exists
 * outside this bench. Needs `--expose-gc`, so a memory reading is taken after full collections
 * rather than wherever the heap happened to be.
 */
export interface ServerProbe {
  id: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Open WebSocket connections as the hub counts them. */
  connections: number;
  /** Server CPU time so far, microseconds (user + system). */
  cpuMicros: number;
  /** Event-loop utilisation since the previous probe, 0 to 1 (includes a forced GC's time). */
  elu: number;
  /** Event-loop delay since the previous probe (how late a timer ran), ms: p50, p99, max. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export type ServerRequest =
  | { type: 'probe'; id: number; gc: boolean }
  /** Starts the V8 CPU profiler, or stops it and writes the profile to `file` (Chrome DevTools format). */
  | { type: 'profile'; id: number; action: 'start' }
  | { type: 'profile'; id: number; action: 'stop'; file: string }
  /** Writes a V8 heap snapshot to `file` (after a full GC, as V8 always takes them). */
  | { type: 'heap-snapshot'; id: number; file: string };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('bench/sync/server-entry.ts needs node --expose-gc');

const program = addServeOptions(new Command('lockstep-bench-server'));
program.action(async (flags: Parameters<typeof serve>[0]) => {
  const server = await serve(flags);
  answer(server);
});
program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`lockstep: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

function answer(server: LockstepServer): void {
  let elu = performance.eventLoopUtilization();
  // Node's histogram counts the sampling interval itself in each value: 5 ms is subtracted below.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const lateMs = (ns: number): number => Math.max(0, ns / 1e6 - 5);
  let inspector: Session | null = null;
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'probe') {
      if (request.gc) {
        // Two passes: the first may only schedule finalisers whose memory the second frees.
        gc!();
        gc!();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const now = performance.eventLoopUtilization();
      const probe: ServerProbe = {
        id: request.id,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        connections: server.hub.connectionCount,
        cpuMicros: cpu.user + cpu.system,
        elu: performance.eventLoopUtilization(now, elu).utilization,
        loopDelayP50Ms: lateMs(loopDelay.percentile(50)),
        loopDelayP99Ms: lateMs(loopDelay.percentile(99)),
        loopDelayMaxMs: lateMs(loopDelay.max),
      };
      loopDelay.reset();
      elu = now;
      process.send?.(probe);
    } else if (request.type === 'profile' && request.action === 'start') {
      inspector = new Session();
      inspector.connect();
      const session = inspector;
      session.post('Profiler.enable', () =>
        session.post('Profiler.start', () => process.send?.({ id: request.id })),
      );
    } else if (request.type === 'heap-snapshot') {
      writeHeapSnapshot(request.file);
      process.send?.({ id: request.id });
    } else if (request.type === 'profile' && request.action === 'stop' && inspector) {
      const session = inspector;
      inspector = null;
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(request.file, JSON.stringify(result.profile));
        session.disconnect();
        process.send?.({ id: request.id });
      });
    }
  });
}
