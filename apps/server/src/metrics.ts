import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubMetrics } from './realtime/hub.ts';

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
  const httpRequest = (method: string, route: string, status: number, seconds: number): void => {
    httpRequests.inc({ method, route, status: String(status) });
    httpDuration.observe({ method, route }, seconds);
  };
  return { registry, httpRequest, logins, hub };
}

export type Metrics = ReturnType<typeof createMetrics>;
