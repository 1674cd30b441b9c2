import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { startTestServer, type TestServer } from '../support/server.ts';
import { scrapeMetrics } from '../support/metrics.ts';
import { fundedPair } from '../support/trading.ts';

/** Engine batches committed so far, from the server's metrics. */
async function batchesCommitted(url: string): Promise<number> {
  return (await scrapeMetrics(url)).value('lockstep_engine_batch_commands_count');
}

/** One order on a connection of its own, as a client that just connected sends it; resolves with the status. */
function orderOnNewConnection(url: string, token: string, body: object): Promise<number> {
  const { hostname, port, host } = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(
        `POST /v1/orders HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n` +
          `Connection: close\r\n\r\n${payload}`,
      );
    });
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])));
    socket.on('error', reject);
  });
}

const buy = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01' } as const;

describe('new connections to a server under order load', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('a burst of clients is answered within a few commits, not one connection per commit', async () => {
    const { alice, bob } = await fundedPair(server);
    // Every commit holds the loop 10 ms, as an fsync on a slow disk does: the test does not depend
    // on how fast this machine's disk happens to be.
    const transaction = server.store.transaction.bind(server.store);
    server.store.transaction = async (fn) => {
      const result = await transaction(fn);
      const until = performance.now() + 10;
      while (performance.now() < until);
      return result;
    };
    // Steady load on kept-alive connections: a batch commits on nearly every turn of the loop.
    let loading = true;
    let loadRequests = 0;
    const load = [alice, alice, bob, bob].map(async (client, i) => {
      const order =
        client === alice
          ? { ...buy, price: `${1_000 + i}.00` }
          : { ...buy, side: 'SELL' as const, price: `${90_000 + i}.00` };
      while (loading) {
        const placed = await client.placeOrder(order);
        await client.cancelOrder('BTCUSDT', placed.order.orderId);
        loadRequests += 2;
      }
    });
    try {
      while (loadRequests < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      const before = await batchesCommitted(server.url);
      const loadBefore = loadRequests;
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          orderOnNewConnection(server.url, alice.credential!, { ...buy, price: `${2_000 + i}.00` }),
        ),
      );
      const batches = (await batchesCommitted(server.url)) - before;
      // The load kept the loop busy all along.
      expect(loadRequests).toBeGreaterThan(loadBefore);
      expect(statuses).toEqual(Array.from({ length: 40 }, () => 200));
      // libuv accepts one connection per turn of the loop; with a single turn per batch the forty
      // took forty-odd commits. Group commit keeps the loop turning while connections come in.
      expect(batches).toBeGreaterThan(0);
      expect(batches).toBeLessThanOrEqual(12);
    } finally {
      loading = false;
      await Promise.all(load);
    }
  });
});
