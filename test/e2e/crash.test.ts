import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockstepApiError, LockstepClient } from '@lockstep/sdk';
import { auditStore, readAdminToken } from '@lockstep/server';
import { mulberry32 as seededRandom } from '@lockstep/engine';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { strongPassword, uniqueEmail } from '../support/server.ts';

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const rounds = 3;
const tradersCount = 4;
const loopsPerTrader = 3;

interface Acknowledged {
  placed: Map<number, string>; // order id → token of its owner
  cancelled: Map<number, string>;
}

/** Places and cancels orders until the server dies, recording every acknowledged one. */
async function orderLoad(
  url: string,
  token: string,
  random: () => number,
  acked: Acknowledged,
  stop: { dead: boolean },
): Promise<void> {
  const client = new LockstepClient({ baseUrl: url, token, timeoutMs: 10_000 });
  const mine: number[] = [];
  while (!stop.dead) {
    try {
      if (mine.length > 0 && random() < 0.3) {
        const id = mine.splice(Math.floor(random() * mine.length), 1)[0]!;
        await client.cancelOrder('BTCUSDT', id);
        acked.cancelled.set(id, token);
      } else {
        const side = random() < 0.5 ? 'BUY' : 'SELL';
        const offset = Math.floor(random() * 200) - (side === 'BUY' ? 150 : 50);
        const price = (50_000 + offset).toFixed(2);
        const { order } = await client.placeOrder({
          symbol: 'BTCUSDT',
          side,
          type: 'LIMIT',
          timeInForce: 'GTC',
          quantity: '0.001',
          price,
        });
        acked.placed.set(order.orderId, token);
        if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED') mine.push(order.orderId);
      }
    } catch (error) {
      // A refusal (a cancel of an order that filled meanwhile) is fine; a dead server ends the loop.
      if (!(error instanceof LockstepApiError)) return;
    }
  }
}

describe(`kill -9 under order load (seed ${seed})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-crash-'));
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged order, trade or balance change, and the auditor stays clean', async () => {
    const random = seededRandom(seed);
    server = await startChildServer(dataDir);
    const adminToken = readAdminToken(dataDir);
    const tokens: string[] = [];
    for (let i = 0; i < tradersCount; i += 1) {
      const email = uniqueEmail('crash');
      const client = new LockstepClient({ baseUrl: server.url });
      await client.register({ email, password: strongPassword });
      await client.login({ email, password: strongPassword, platform: 'web' });
      await client.adminDeposit(adminToken, { email, asset: 'USDT', amount: '1000000' });
      await client.adminDeposit(adminToken, { email, asset: 'BTC', amount: '100' });
      tokens.push(client.credential!);
    }
    const acked: Acknowledged = { placed: new Map(), cancelled: new Map() };
    for (let round = 0; round < rounds; round += 1) {
      const stop = { dead: false };
      const loops = tokens.flatMap((token) =>
        Array.from({ length: loopsPerTrader }, () =>
          orderLoad(server!.url, token, seededRandom(Math.floor(random() * 2 ** 31)), acked, stop),
        ),
      );
      // Kill at a seeded moment once the load is running: after this many acknowledged orders.
      const killAfter = acked.placed.size + 50 + Math.floor(random() * 300);
      while (acked.placed.size < killAfter) await new Promise((resolve) => setTimeout(resolve, 5));
      await server.kill();
      stop.dead = true;
      await Promise.all(loops);

      server = await startChildServer(dataDir);
      for (const [orderId, token] of acked.placed) {
        const client = new LockstepClient({ baseUrl: server.url, token });
        const { order } = await client.getOrder('BTCUSDT', orderId);
        expect(order.orderId, `seed ${seed}: order ${orderId}`).toBe(orderId);
        if (acked.cancelled.has(orderId))
          expect(order.status, `seed ${seed}: cancel of ${orderId}`).toBe('CANCELED');
      }
      const audit = await auditStore({ dataDir });
      expect(audit.problems, `seed ${seed}`).toEqual([]);
      expect(audit.ok).toBe(true);
    }
    expect(acked.placed.size).toBeGreaterThan(rounds * 50);
    // Four server processes start (each loads the server's TypeScript through tsx) on a machine
    // busy with the other suites: far more than the default per-test bound.
  }, 180_000);
});
