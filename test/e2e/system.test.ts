import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { loginDevice, registerAccount, startTestServer, type TestServer } from '../support/server.ts';
import { scrapeMetrics } from '../support/metrics.ts';
import { fundedPair } from '../support/trading.ts';

/** The group-commit metrics, read from the Prometheus text as an operator's scraper would. */
async function engineMetrics(url: string) {
  const { value } = await scrapeMetrics(url);
  return {
    batches: value('lockstep_engine_batch_commands_count'),
    commandsSum: value('lockstep_engine_batch_commands_sum'),
    runCount: value('lockstep_engine_batch_run_seconds_count'),
    storeCount: value('lockstep_engine_batch_store_seconds_count'),
    storeSum: value('lockstep_engine_batch_store_seconds_sum'),
    queue: value('lockstep_engine_queue_commands'),
    refusals: value('lockstep_engine_refusals_total{reason="full"}'),
    commitFailures: value('lockstep_engine_store_failures_total{stage="commit"}'),
  };
}

const restingSell = {
  symbol: 'BTCUSDT',
  side: 'SELL',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.01',
} as const;
const restingBuy = { ...restingSell, side: 'BUY' } as const;

describe('operations endpoints (F3) and the API description', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('reports health with the storage it runs on', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', storage: 'sqlite' });
  });

  it('exposes Prometheus metrics, counting requests by route', async () => {
    await fetch(`${server.url}/healthz`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/lockstep_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(/# TYPE lockstep_ws_connections gauge/);
    expect(text).toMatch(/lockstep_process_cpu_seconds_total/);
  });

  it('counts every request once, in the counter and in the duration histogram, by method, route and status', async () => {
    const read = async (): Promise<{ ok: number; missing: number; histogram: number }> => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
      return {
        ok: value(/^lockstep_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m),
        missing: value(
          /^lockstep_http_requests_total\{method="GET",route="unmatched",status="404"\} (\d+)$/m,
        ),
        histogram: value(
          /^lockstep_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} (\d+)$/m,
        ),
      };
    };
    const before = await read();
    for (let i = 0; i < 3; i += 1) await fetch(`${server.url}/healthz`);
    await fetch(`${server.url}/no-such-page`);
    await fetch(`${server.url}/no-such-page`);
    const after = await read();
    expect(after.ok - before.ok).toBe(3);
    expect(after.histogram - before.histogram).toBe(3);
    expect(after.missing - before.missing).toBe(2);
  });

  it('reports group commit: every engine command in exactly one batch, with its engine and commit time', async () => {
    const { alice, bob } = await fundedPair(server);
    const before = await engineMetrics(server.url);
    // One at a time: each order is alone in its batch.
    for (let i = 0; i < 4; i += 1) await bob.placeOrder({ ...restingSell, price: `${60_000 + i}.00` });
    // Together: they share batches, however the requests happen to arrive.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => alice.placeOrder({ ...restingBuy, price: `${40_000 + i}.00` })),
    );
    const after = await engineMetrics(server.url);
    expect(after.commandsSum - before.commandsSum).toBe(16);
    const batches = after.batches - before.batches;
    expect(batches).toBeGreaterThanOrEqual(5);
    expect(batches).toBeLessThanOrEqual(16);
    // The engine and the commit are timed once per batch.
    expect(after.runCount - before.runCount).toBe(batches);
    expect(after.storeCount - before.storeCount).toBe(batches);
    expect(after.storeSum).toBeGreaterThan(before.storeSum);
    expect(after.commitFailures).toBe(0);
    expect(after.queue).toBe(0);
    expect(after.refusals).toBe(before.refusals);
  });

  it('sends the same security headers on answers, errors and unknown paths', async () => {
    const expected = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const answers = [
      await fetch(`${server.url}/healthz`),
      await fetch(`${server.url}/v1/markets`),
      await fetch(`${server.url}/no-such-page`),
      await fetch(`${server.url}/v1/me`),
      await fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email": 5}',
      }),
      // A path that cannot be decoded is answered before any hook runs.
      await fetch(`${server.url}/v1/orders/%zz`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 401, 400, 400]);
    const headersOf = (get: (name: string) => string | null | undefined) =>
      Object.fromEntries(Object.keys(expected).map((name) => [name, get(name) ?? null]));
    for (const answer of answers) {
      expect(headersOf((name) => answer.headers.get(name))).toEqual(expected);
      // HTML pages set their own strict policy; helmet's default one is off.
      expect(answer.headers.get('content-security-policy')).toBeNull();
    }
    // A WebSocket upgrade on a path that has none is refused on the raw socket, with them too.
    const refused = await new Promise<IncomingMessage>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/no-such-socket`);
      ws.on('unexpected-response', (_request, response) => {
        resolve(response);
        ws.terminate();
      });
      ws.on('error', reject);
    });
    expect(refused.statusCode).toBe(404);
    expect(headersOf((name) => refused.headers[name] as string | undefined)).toEqual(expected);
  });

  it('counts WebSocket connections up and down, refused ones included', async () => {
    const gauge = async (): Promise<number> => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^lockstep_ws_connections (\d+)$/m.exec(text)?.[1]);
    };
    const before = await gauge();
    for (let i = 0; i < 3; i += 1) {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`);
      await new Promise((resolve) => ws.on('open', resolve));
      ws.send(JSON.stringify({ type: 'auth', token: 'lss_forged' }));
      await new Promise((resolve) => ws.on('close', resolve));
    }
    // The server sees each close a moment after the client; wait for the count to settle.
    for (let tries = 0; tries < 200 && (await gauge()) !== before; tries += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await gauge()).toBe(before);
  });

  it('serves an OpenAPI document describing every native route', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /v1/auth/register',
        'POST /v1/auth/login',
        'POST /v1/auth/logout',
        'GET /v1/me',
        'GET /v1/sessions',
        'DELETE /v1/sessions/{id}',
        'POST /v1/sessions/revoke-others',
        'POST /v1/sessions/revoke-all',
        'GET /v1/login-history',
        'GET /healthz',
        'POST /v1/orders',
        'DELETE /v1/orders/{symbol}/{orderId}',
        'GET /v1/orders/{symbol}/{orderId}',
        'DELETE /v1/orders/{symbol}/client/{clientOrderId}',
        'GET /v1/orders/{symbol}/client/{clientOrderId}',
        'POST /v1/admin/deposits',
        'DELETE /v1/open-orders/{symbol}',
        'GET /v1/open-orders',
        'GET /v1/balances',
        'POST /v1/positions/{symbol}/close',
        'GET /v1/orders',
        'GET /v1/my-trades',
        'GET /v1/markets',
        'GET /v1/markets/{symbol}/depth',
        'GET /v1/markets/{symbol}/trades',
        'GET /v1/markets/{symbol}/ticker',
        'GET /v1/markets/{symbol}/klines',
        'GET /v1/tickers',
        'GET /v1/deposit-address',
        'GET /v1/deposits',
        'POST /v1/withdrawals',
        'GET /v1/withdrawals',
        'DELETE /v1/withdrawals/{id}',
        'POST /v1/admin/chain/blocks',
        'POST /v1/admin/chain/deposits',
        'POST /v1/admin/chain/deposits/{txId}/confirm',
        'POST /v1/admin/withdrawals/{id}/process',
        'POST /v1/admin/withdrawals/{id}/complete',
        'POST /v1/admin/withdrawals/{id}/fail',
        'GET /v1/security',
        'POST /v1/auth/step-up',
        'POST /v1/security/2fa/setup',
        'POST /v1/security/2fa/enable',
        'POST /v1/security/2fa/disable',
        'POST /v1/security/password',
        'PUT /v1/security/anti-phishing-code',
        'PUT /v1/security/policy',
        'GET /v1/security/alerts',
        'POST /v1/security/alerts/{id}/confirm',
        'POST /v1/security/alerts/{id}/deny',
        'GET /v1/security/log',
        'GET /v1/api-keys',
        'POST /v1/api-keys',
        'PATCH /v1/api-keys/{id}',
        'DELETE /v1/api-keys/{id}',
        'POST /v1/auth/password-reset',
        'POST /v1/auth/login/wait',
        'POST /v1/auth/verify-login',
        'POST /v1/auth/qr',
        'POST /v1/auth/qr/wait',
        'POST /v1/auth/qr/scan',
        'POST /v1/auth/qr/approve',
        'POST /v1/auth/unlock-login',
        'GET /v1/auth/human-challenge',
        'POST /v1/admin/unlock',
        'GET /v1/account/snapshot',
        'GET /v1/kyc',
        'POST /v1/admin/kyc',
        'GET /v1/preferences',
        'PATCH /v1/preferences',
        'GET /v1/watchlists',
        'PUT /v1/watchlists/{name}',
        'DELETE /v1/watchlists/{name}',
        'GET /v1/price-alerts',
        'POST /v1/price-alerts',
        'DELETE /v1/price-alerts/{id}',
        'GET /v1/notifications',
        'POST /v1/notifications/read',
      ].sort(),
    );
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${server.url}/api/v3/ping`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a full engine queue', () => {
  it('refuses what does not fit with ENGINE_BUSY, counts each refusal, and runs what was queued', async () => {
    const server = await startTestServer({ engineQueueMax: 3 });
    try {
      const trader = await loginDevice(server, await registerAccount(server), 'desktop');
      const account = (await trader.me()).account.id;
      const before = await engineMetrics(server.url);
      const usdt = server.trading.host.reader.assetId('USDT')!;
      // Submitted in one turn of the loop: three wait for the batch, the other seven find it full.
      const submitted = Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          server.trading.submit({
            kind: 'deposit',
            account,
            asset: usdt,
            amount: 1e8,
            txId: `busy-${i}`,
          }),
        ),
      );
      // Before the batch is cut, the gauge shows the three waiting.
      const waiting = await server.metrics.registry.getSingleMetricAsString('lockstep_engine_queue_commands');
      expect(waiting).toMatch(/^lockstep_engine_queue_commands 3$/m);
      const results = await submitted;
      const refused = results.filter(
        (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ENGINE_BUSY',
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(refused).toHaveLength(7);
      const after = await engineMetrics(server.url);
      expect(after.refusals - before.refusals).toBe(7);
      expect(after.commandsSum - before.commandsSum).toBe(3);
      // The three that fit are credited; the refused seven changed nothing.
      expect(server.trading.host.reader.balance(account, usdt).free).toBe(3e8);
    } finally {
      await server.dispose();
    }
  });
});
