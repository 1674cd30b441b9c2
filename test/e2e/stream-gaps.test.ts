import { afterEach, describe, expect, it } from 'vitest';
import type { AccountEvent } from '@lockstep/protocol';
import { createMemoryBus, readAdminToken, type EventBus } from '@lockstep/server';
import { mulberry32 } from '@lockstep/engine';
import {
  backends,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';

/**
 * A bus that loses messages, as Redis pub/sub can in a cluster: the hub must notice the gap (a
 * batch that does not follow the last one, or a stored head the bus never delivered) and read the
 * missing events from the store, so every device still gets every event once and in order.
 */
function lossyBus(random: () => number, lossRate: number): EventBus & { lost: number } {
  const inner = createMemoryBus();
  const bus = {
    lost: 0,
    publish: (batch: Parameters<EventBus['publish']>[0]) => {
      if (random() < lossRate) bus.lost += 1;
      else inner.publish(batch);
    },
    subscribe: (handler: Parameters<EventBus['subscribe']>[0]) => inner.subscribe(handler),
  };
  return bus;
}

describe.each(backends)('the hub heals what the bus lost (%s)', (backend) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.dispose();
  });

  it('delivers every event once and in order although a third of the batches were lost', async () => {
    const seed = Number(process.env.LOCKSTEP_SEED ?? Date.now() % 100_000);
    const bus = lossyBus(mulberry32(seed), 1 / 3);
    // Heartbeats are driven by the test (hub.beat()), so nothing depends on timing.
    server = await startTestServer({ backend, bus, heartbeatMs: 3_600_000 });
    const who = await registerAccount(server);
    const desk = await loginDevice(server, who, 'desktop');
    const connection = desk.connect({ since: (await desk.me()).stream.seq });
    const events: AccountEvent[] = [];
    connection.on('event', (e) => events.push(e));
    await connection.next('replayed');
    const admin = readAdminToken(server.dataDir);
    for (let i = 1; i <= 30; i += 1) {
      await desk.adminDeposit(admin, { email: who.email, asset: 'USDT', amount: String(i) });
    }
    const head = (await desk.me()).stream.seq;
    // A lost final batch has no successor to reveal it: two heartbeats that find the stored head
    // ahead of what the bus delivered make the hub read it from the store.
    await server.hub.beat();
    await server.hub.beat();
    await expect.poll(() => events.at(-1)?.seq ?? 0, { timeout: 10_000, interval: 10 }).toBe(head);
    expect(bus.lost, `seed ${seed}`).toBeGreaterThan(0);
    const seqs = events.map((e) => e.seq);
    expect(seqs, `seed ${seed}`).toEqual(seqs.map((_, i) => seqs[0]! + i));
    // An idle connection gets the head at the next beat (one that was just sent events skips one).
    const heartbeat = connection.next('heartbeat');
    await server.hub.beat();
    await server.hub.beat();
    expect((await heartbeat).seq).toBe(head);
    connection.close();
  });

  it('still sends heartbeats while the store is slow, and closes with 1011 when it fails a subscribe', async () => {
    server = await startTestServer({ backend, heartbeatMs: 3_600_000 });
    const who = await registerAccount(server);
    const desk = await loginDevice(server, who, 'desktop');
    const connection = desk.connect({ since: (await desk.me()).stream.seq });
    await connection.next('replayed');
    // A connection that was just sent something skips one heartbeat (any frame shows it lives).
    await server.hub.beat();
    const heads = server.store.repos.accounts;
    const original = heads.streamHeads.bind(heads);
    let release: () => void = () => undefined;
    heads.streamHeads = (ids) => new Promise((resolve) => (release = () => resolve(original(ids))));
    try {
      const first = connection.next('heartbeat');
      void server.hub.beat();
      await first;
      // The store is still busy with the first beat's read; the next beat's heartbeat goes out anyway.
      const second = connection.next('heartbeat');
      void server.hub.beat();
      await second;
    } finally {
      release();
      heads.streamHeads = original;
    }

    const events = server.store.repos.events;
    const listAfter = events.listAfter.bind(events);
    events.listAfter = () => Promise.reject(new Error('the store went away'));
    try {
      const other = desk.connect({ since: 0 });
      const closed = other.next('close');
      const error = await other.next('error');
      expect(error.code).toBe('INTERNAL');
      expect((await closed).code).toBe(1011);
    } finally {
      events.listAfter = listAfter;
    }
    // The server is still there and serving.
    expect((await desk.me()).account.email).toBe(who.email);
    connection.close();
  });
});
