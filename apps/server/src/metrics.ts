import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TradingHostObserver } from './engine-host/trading-host.ts';
import type { HubMetrics } from './realtime/hub.ts';
import { HttpRouteMetrics } from './http-route-metrics.ts';

/** What the trading engine's host reports: its batches and snapshots, and every refused command. */
export interface EngineMetrics extends TradingHostObserver {
  /** A command refused with ENGINE_BUSY: the queue was full, or the host is stopping. */
  refused(reason: 'full' | 'closed'): void;
  /** Where the queue-length gauge reads from, once the host runs. */
  watchQueue(length: () => number): void;
}

/** The server's Prometheus metrics, on a registry of its own so several servers can share a process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lockstep_' });
  const http = new HttpRouteMetrics(registry, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
  const logins = new Counter({
    name: 'lockstep_logins_total',
    help: 'Login attempts by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const wsConnections = new Gauge({
    name: 'lockstep_ws_connections',
    help: 'Open WebSocket connections.',
    registers: [registry],
  });
  const eventsSent = new Counter({
    name: 'lockstep_account_events_sent_total',
    help: 'Account events sent to devices.',
    registers: [registry],
  });
  const hub: HubMetrics = {
    connectionsOpened: () => wsConnections.inc(),
    connectionsClosed: () => wsConnections.dec(),
    eventsSent: (count) => eventsSent.inc(count),
  };
  // Group commit as an operator tunes it: how many commands share a commit, how long the engine
  // and the store each take, and whether requests are piling up or being turned away.
  const batchCommands = new Histogram({
    name: 'lockstep_engine_batch_commands',
    help: 'Commands per group-commit batch.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const batchRun = new Histogram({
    name: 'lockstep_engine_batch_run_seconds',
    help: "Time a batch's commands take in the engine, events decoded.",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  const batchStore = new Histogram({
    name: 'lockstep_engine_batch_store_seconds',
    help: 'Time a batch takes in the store: its transaction until durable (fsync on SQLite), then its events handed to live connections.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const snapshots = new Histogram({
    name: 'lockstep_engine_snapshot_seconds',
    help: 'Time to write a snapshot of the engine (one per 50,000 journal entries).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'lockstep_engine_store_failures_total',
    help: 'Store writes of the engine that failed: a batch commit (nothing acknowledged) or a snapshot (retried).',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  let queueLength = (): number => 0;
  new Gauge({
    name: 'lockstep_engine_queue_commands',
    help: 'Commands waiting for the next batch.',
    registers: [registry],
    collect() {
      this.set(queueLength());
    },
  });
  const refusals = new Counter({
    name: 'lockstep_engine_refusals_total',
    help: 'Commands refused with ENGINE_BUSY: the queue was full, or the engine was stopping.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Zero-valued series exist from the start, so a scraper sees a rate of 0, not a missing series.
  for (const reason of ['full', 'closed']) refusals.inc({ reason }, 0);
  for (const stage of ['commit', 'snapshot']) failures.inc({ stage }, 0);
  const engine: EngineMetrics = {
    batch: (timing) => {
      batchCommands.observe(timing.commands);
      batchRun.observe(timing.runSeconds);
      batchStore.observe(timing.storeSeconds);
    },
    commitFailed: () => failures.inc({ stage: 'commit' }),
    snapshot: (seconds) => snapshots.observe(seconds),
    snapshotFailed: () => failures.inc({ stage: 'snapshot' }),
    refused: (reason) => refusals.inc({ reason }),
    watchQueue: (length) => {
      queueLength = length;
    },
  };
  const httpRequest = (method: string, route: string, status: number, seconds: number): void =>
    http.observe(method, route, status, seconds);
  return { registry, httpRequest, logins, hub, engine };
}

export type Metrics = ReturnType<typeof createMetrics>;
