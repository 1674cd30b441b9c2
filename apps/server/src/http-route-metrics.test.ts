import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { HttpRouteMetrics } from './http-route-metrics.ts';

const bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** prom-client's own Counter and Histogram, named and labelled as the server's. */
function promClient(registry: Registry) {
  const counter = new Counter({
    name: 'lockstep_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'lockstep_http_request_duration_seconds',
    help: 'HTTP request handling time.',
    labelNames: ['method', 'route'] as const,
    buckets: bounds,
    registers: [registry],
  });
  return (method: string, route: string, status: number, seconds: number) => {
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route }, seconds);
  };
}

/** A registry answering in one exposition format. */
function registryFor(contentType: string): Registry {
  const registry = new Registry();
  registry.setContentType(contentType as typeof Registry.PROMETHEUS_CONTENT_TYPE);
  return registry;
}

/** The exposition's lines, sorted: series may come in another order, each line must be equal. */
async function lines(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter(Boolean).sort();
}

describe('HttpRouteMetrics', () => {
  it('exposes exactly what prom-client exposes for the same answers, in both exposition formats', async () => {
    const answer = fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      route: fc.constantFrom('/v1/orders', '/v1/orders/:symbol/:orderId', 'unmatched', '/a"quote\\back'),
      status: fc.constantFrom(200, 400, 404, 500),
      // Bounds exactly, between them, and beyond the last.
      seconds: fc.oneof(fc.constantFrom(0, ...bounds, 1.5), fc.double({ min: 0, max: 3, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 60 }), async (answers) => {
        for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE]) {
          const ours = registryFor(contentType);
          const metrics = new HttpRouteMetrics(ours, bounds);
          const theirs = registryFor(contentType);
          const reference = promClient(theirs);
          for (const a of answers) {
            metrics.observe(a.method, a.route, a.status, a.seconds);
            reference(a.method, a.route, a.status, a.seconds);
          }
          expect(await lines(ours)).toEqual(await lines(theirs));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('starts again from nothing when the registry is reset', async () => {
    const registry = new Registry();
    const metrics = new HttpRouteMetrics(registry, bounds);
    metrics.observe('GET', '/healthz', 200, 0.002);
    expect(await registry.metrics()).toMatch(
      /lockstep_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    registry.resetMetrics();
    metrics.observe('GET', '/healthz', 200, 0.002);
    expect(await registry.metrics()).toMatch(
      /lockstep_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(await registry.metrics()).toMatch(
      /lockstep_http_request_duration_seconds_bucket\{le="0.0025",method="GET",route="\/healthz"\} 1/,
    );
  });
});
