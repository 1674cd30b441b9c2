import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import WebSocket from 'ws';
import {
  LockstepClient,
  memoryStorage,
  normalizeForCompare,
  type LiveAccount,
  type WebSocketConstructor,
} from '@lockstep/sdk';
import type { Platform } from '@lockstep/protocol';
import { mulberry32 } from '@lockstep/engine';
import { readAdminToken } from '@lockstep/server';
import { backends, registerAccount, startTestServer, type TestServer } from '../support/server.ts';
import { fund } from '../support/trading.ts';

/**
 * Six devices of one account (desktop, two browsers, iOS, Android, iPad) under seeded chaos: every
 * kind of change made from random devices, while connections are dropped at random, devices go
 * offline or stall (stop reading their socket), and the server is restarted mid-run. At the end
 * every device equals a fresh snapshot, and each applied every `seq` exactly once (counted). The
 * seed is printed on failure; `LOCKSTEP_SEED=n` replays a run.
 */

interface Network {
  offline: boolean;
  socket: WebSocket | undefined;
}

/** Node's WebSocket that fails while the device is offline and remembers its socket for stalls. */
function socketClass(network: Network): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(network.offline ? 'ws://127.0.0.1:9/v1/ws' : url);
      network.socket = this;
    }
  };
}

/** The TCP socket under a ws WebSocket, to stop and resume reading it (a stalled device). */
function tcpOf(ws: WebSocket | undefined): { pause(): void; resume(): void } | undefined {
  return (ws as unknown as { _socket?: { pause(): void; resume(): void } } | undefined)?._socket;
}

interface Device {
  name: string;
  client: LockstepClient;
  live: LiveAccount;
  network: Network;
  /** Every seq this device applied, in order. */
  applied: number[];
}

const platforms: Array<[string, Platform]> = [
  ['desktop', 'desktop'],
  ['web-1', 'web'],
  ['web-2', 'web'],
  ['ios', 'ios'],
  ['android', 'android'],
  ['ipad', 'ipad'],
];

describe.each(backends)('six devices under chaos (%s)', (backend) => {
  let server: TestServer | undefined;
  const devices: Device[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.live.close();
    await server?.dispose();
    server = undefined;
  });

  it('converges exactly, applying every seq once, through drops, stalls, outages and restarts', async () => {
    const seed = Number(process.env.LOCKSTEP_SEED ?? randomInt(1_000_000));
    onTestFailed(() => console.error(`chaos seed ${seed}: rerun with LOCKSTEP_SEED=${seed}`));
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const why = (d?: Device) => `seed ${seed}${d ? `, ${d.name}` : ''}`;

    let current = await startTestServer({ backend, heartbeatMs: 200 });
    server = current;
    const admin = readAdminToken(current.dataDir);
    const account = await registerAccount(current);
    const url = current.url;

    // Another account trades against this one, so fills, notifications and price alerts happen.
    const counterparty = new LockstepClient({ baseUrl: url, WebSocket });
    await counterparty.login({ ...(await registerAccount(current)), platform: 'web' });
    await fund(current, counterparty, 'BTC', 100 * 1e8);

    for (const [name, platform] of platforms) {
      const network: Network = { offline: false, socket: undefined };
      const client = new LockstepClient({ baseUrl: url, WebSocket: socketClass(network) });
      await client.login({ ...account, platform, deviceName: name });
      if (devices.length === 0) {
        // Withdrawals are exercised too: new-device logins would hold them for 48 hours (A10).
        await client.stepUp({ password: account.password });
        await client.setSecurityPolicy({ newDeviceWithdrawalHold: false });
      }
      const applied: number[] = [];
      const live = client.live({
        storage: memoryStorage(),
        onApply: (seq) => applied.push(seq),
        random,
        backoffInitialMs: 50,
        backoffMaxMs: 400,
        silenceMarginMs: 200,
      });
      devices.push({ name, client, live, network, applied });
    }
    // Each later login raised a new-device alert; "It was me" on the first device lets them step up.
    for (const alert of (await devices[0]!.client.securityAlerts()).alerts)
      await devices[0]!.client.confirmAlert(alert.id);
    await Promise.all(devices.map((d) => d.live.start()));
    const startSeq = new Map(devices.map((d) => [d.name, d.live.lastSeq]));
    await devices[0]!.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '1000000' });

    const openOrders: Array<{ symbol: string; orderId: number }> = [];
    const kinds = new Map<string, number>();
    const count = (kind: string) => kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    let restarts = 0;

    const actions: Array<[weight: number, name: string, run: (d: Device) => Promise<void>]> = [
      [
        6,
        'order',
        async (d) => {
          const price = (40_000 + Math.floor(random() * 5_000)).toFixed(2);
          const { order } = await d.client.placeOrder({
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'LIMIT',
            timeInForce: 'GTC',
            quantity: '0.001',
            price,
          });
          openOrders.push({ symbol: order.symbol, orderId: order.orderId });
        },
      ],
      [
        4,
        'cancel',
        async (d) => {
          const order = openOrders.splice(Math.floor(random() * openOrders.length), 1)[0];
          if (order) await d.client.cancelOrder(order.symbol, order.orderId);
        },
      ],
      [
        4,
        'fill',
        async (d) => {
          const price = (45_000 + Math.floor(random() * 10_000)).toFixed(2);
          await counterparty.placeOrder({
            symbol: 'BTCUSDT',
            side: 'SELL',
            type: 'LIMIT',
            timeInForce: 'GTC',
            quantity: '0.002',
            price,
          });
          await d.client.placeOrder({
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'LIMIT',
            timeInForce: 'IOC',
            quantity: random() < 0.5 ? '0.001' : '0.002',
            price,
          });
          // What the IOC left rests on the counterparty's side; cancel it so books stay small.
          await counterparty.cancelAllOrders('BTCUSDT').catch(() => undefined);
        },
      ],
      [
        2,
        'deposit',
        (d) =>
          d.client
            .adminDeposit(admin, {
              email: account.email,
              asset: 'ETH',
              amount: String(1 + Math.floor(random() * 9)),
            })
            .then(() => undefined),
      ],
      [
        2,
        'withdrawal',
        async (d) => {
          await d.client.stepUp({ password: account.password });
          const { withdrawal } = await d.client.withdraw({
            asset: 'USDT',
            amount: '5',
            address: 'chaos-ext-1',
          });
          if (random() < 0.5) await d.client.cancelWithdrawal(withdrawal.id);
          else {
            await d.client.adminWithdrawalStep(admin, withdrawal.id, 'process');
            await d.client.adminWithdrawalStep(admin, withdrawal.id, random() < 0.7 ? 'complete' : 'fail');
          }
        },
      ],
      [
        2,
        'watchlist',
        (d) =>
          d.client
            .putWatchlist(pick(['majors', 'alts', 'scratch']), [pick(['BTCUSDT', 'ETHUSDT']), 'ETHBTC'])
            .then(() => undefined),
      ],
      [
        2,
        'price-alert',
        (d) =>
          d.client
            .createPriceAlert({
              symbol: 'BTCUSDT',
              condition: random() < 0.5 ? 'ABOVE' : 'BELOW',
              price: (42_000 + Math.floor(random() * 12_000)).toFixed(2),
            })
            .then(() => undefined),
      ],
      [
        2,
        'read',
        async (d) => {
          const newest = d.live.state?.notifications[0]?.id;
          if (newest !== undefined) await d.client.markNotificationsRead({ upTo: newest });
        },
      ],
      [
        1,
        'preferences',
        (d) => d.client.updatePreferences({ deviceNotifications: random() < 0.5 }).then(() => undefined),
      ],
      [
        1,
        'kyc',
        (d) =>
          d.client
            .adminKyc(admin, { email: account.email, status: pick(['pending', 'verified']) })
            .then(() => undefined),
      ],
      [
        1,
        'security',
        async (d) => {
          await d.client.stepUp({ password: account.password });
          await d.client.setAntiPhishingCode(pick(['blue otter', 'red kite', 'green heron']));
        },
      ],
      [
        1,
        'api-key',
        async (d) => {
          await d.client.stepUp({ password: account.password });
          const created = await d.client.createApiKey({
            label: 'chaos',
            type: 'HMAC_SHA256',
            permissions: ['read'],
          });
          if (random() < 0.5) await d.client.deleteApiKey(created.apiKey.id);
        },
      ],
      // Chaos: a connection dropped, a device offline for a while, a stalled socket, a restart.
      [4, 'drop', (d) => Promise.resolve(d.live.connection?.terminate())],
      [
        2,
        'offline',
        (d) => {
          d.network.offline = !d.network.offline;
          if (d.network.offline) d.live.connection?.terminate();
          return Promise.resolve();
        },
      ],
      [
        2,
        'stall',
        (d) => {
          const tcp = tcpOf(d.network.socket);
          if (random() < 0.5) tcp?.pause();
          else tcp?.resume();
          return Promise.resolve();
        },
      ],
    ];
    const total = actions.reduce((sum, [weight]) => sum + weight, 0);
    const steps = 70;
    for (let step = 0; step < steps; step += 1) {
      if ((step === 25 || step === 50) && restarts < 2) {
        // The server goes away mid-run and comes back on the same data and port.
        current = await current.restart();
        server = current;
        restarts += 1;
        count('restart');
        continue;
      }
      let roll = random() * total;
      const [, name, run] = actions.find(([weight]) => (roll -= weight) < 0) ?? actions[0]!;
      const device = pick(devices);
      count(name);
      // A request can meet the restart's closed sockets; requests are the user's, not the sync's.
      await run(device).catch((error: unknown) => {
        if (!(error instanceof TypeError)) throw error;
      });
    }

    // The storm ends: every device back online and reading.
    for (const d of devices) {
      d.network.offline = false;
      tcpOf(d.network.socket)?.resume();
    }
    const reader = devices[0]!.client;
    await vi.waitFor(
      async () => {
        const head = (await reader.me()).stream.seq;
        for (const d of devices) expect(d.live.lastSeq, why(d)).toBe(head);
      },
      { timeout: 30_000, interval: 50 },
    );
    const expected = normalizeForCompare(await reader.snapshot());
    const head = expected.seq;
    for (const d of devices) {
      expect(normalizeForCompare(d.live.state!), why(d)).toEqual(expected);
      // Every seq after the device's first snapshot, applied exactly once and in order.
      expect(d.live.stats.snapshots, why(d)).toBe(1);
      const first = startSeq.get(d.name)! + 1;
      expect(d.applied, why(d)).toEqual(Array.from({ length: head - first + 1 }, (_, i) => first + i));
    }
    // The run really was chaotic: reconnections happened, and the server restarted.
    expect(restarts, why()).toBe(2);
    const reconnects = devices.reduce((sum, d) => sum + d.live.stats.reconnects, 0);
    expect(reconnects, why()).toBeGreaterThanOrEqual(devices.length * restarts);
    expect(kinds.get('drop') ?? 0, why()).toBeGreaterThan(0);
    if (process.env.LOCKSTEP_CHAOS_VERBOSE)
      console.log(
        seed,
        Object.fromEntries(kinds),
        devices.map((d) => d.live.stats),
      );
  });
});
