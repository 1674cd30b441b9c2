import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchTiming } from './engine-host/trading-host.ts';
import type { HubMetrics } from './realtime/hub.ts';

/** What the trading engine's host reports: every durable batch, every refusal of a full queue. */
export interface EngineMetrics {
  batch(timing: BatchTiming): void;
  refused(): void;
  /** Where the queue-length gauge reads from, once the host runs. */
  watchQueue(length: () => number): void;
}

/** The server's Prometheus metrics, on a registry of its own so several servers can share a process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lockstep_' });
  const httpRequests = new Counter({
    name: 'lockstep_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'lockstep_http_request_duration_seconds',
    help: 'HTTP request handling time.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
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
  // and the durable write each take, and whether requests are piling up or being turned away.
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
  const batchCommit = new Histogram({
    name: 'lockstep_engine_commit_seconds',
    help: 'Time from a batch written to the store until it is durable (fsync on SQLite).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
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
    help: 'Commands refused with ENGINE_BUSY because the queue was full.',
    registers: [registry],
  });
  const engine: EngineMetrics = {
    batch: (timing) => {
      batchCommands.observe(timing.commands);
      batchRun.observe(timing.runSeconds);
      batchCommit.observe(timing.commitSeconds);
    },
    refused: () => refusals.inc(),
    watchQueue: (length) => {
      queueLength = length;
    },
  };
  const httpRequest = (method: string, route: string, status: number, seconds: number): void => {
    httpRequests.inc({ method, route, status: String(status) });
    httpDuration.observe({ method, route }, seconds);
  };
  return { registry, httpRequest, logins, hub, engine };
}

export type Metrics = ReturnType<typeof createMetrics>;
