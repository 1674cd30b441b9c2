import { describe, expect, it } from 'vitest';
import type { AccountEvent, ClientMessage, ServerMessage } from '@lockstep/protocol';
import {
  eventFixture,
  notificationFixture,
  preferencesFixture,
  snapshotFixture,
} from './account-fixtures.ts';
import { LockstepClient } from './client.ts';
import type { WebSocketLike } from './connection.ts';
import { memoryStorage, type KeyValueStorage } from './key-value-storage.ts';
import type { LiveAccount, LiveTimers } from './live-account.ts';

/** Timers on a clock the test moves by hand. */
class ManualTimers implements LiveTimers {
  nowMs = 0;
  private nextId = 1;
  private readonly due = new Map<number, { atMs: number; callback: () => void }>();
  /** Every delay asked for, in order (the backoff waits among them). */
  readonly requested: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { atMs: this.nowMs + ms, callback });
    this.requested.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves the clock, running what falls due in order. */
  async advance(ms: number): Promise<void> {
    const endMs = this.nowMs + ms;
    for (;;) {
      const next = [...this.due.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (!next || next[1].atMs > endMs) break;
      this.due.delete(next[0]);
      this.nowMs = next[1].atMs;
      next[1].callback();
      await settle();
    }
    this.nowMs = endMs;
  }
}

/** Lets pending promise chains (fetch, the run loop) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Handler = (value: never) => void;

/** A socket the test plays the server of. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  private readonly handlers = new Map<string, Handler[]>();

  addEventListener(type: string, listener: Handler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', { code, reason });
  }

  terminate(): void {
    this.close(1006, '');
  }

  open(): void {
    this.readyState = 1;
    this.fire('open', undefined);
  }

  push(message: ServerMessage): void {
    this.fire('message', { data: JSON.stringify(message) });
  }

  get subscription(): Extract<ClientMessage, { type: 'subscribe' }> | undefined {
    return this.sent.find((m): m is Extract<ClientMessage, { type: 'subscribe' }> => m.type === 'subscribe');
  }

  private fire(type: string, value: unknown): void {
    for (const handler of this.handlers.get(type) ?? []) (handler as (v: unknown) => void)(value);
  }
}

/** A scripted server: snapshots over fetch, sockets the test drives. */
function harness(options: { storage?: KeyValueStorage; random?: () => number } = {}) {
  const timers = new ManualTimers();
  const sockets: FakeSocket[] = [];
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const server = {
    snapshot: snapshotFixture(),
    /** An answer to send instead of the snapshot, once. */
    refuseNext: undefined as { status: number; body: unknown } | undefined,
    /** What `/v1/me` answers (the session check after a socket refused the credential). */
    me: { status: 200, body: {} as unknown },
  };
  const fetchImpl = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    requests.push({ method, path: url.pathname, body });
    const json = (status: number, value: unknown) =>
      Promise.resolve(new Response(JSON.stringify(value), { status }));
    if (url.pathname === '/v1/account/snapshot') {
      const refused = server.refuseNext;
      server.refuseNext = undefined;
      return refused ? json(refused.status, refused.body) : json(200, server.snapshot);
    }
    if (method === 'PUT' && url.pathname.startsWith('/v1/watchlists/'))
      return json(200, {
        watchlist: { name: 'x', symbols: (body as { symbols: string[] }).symbols, updatedAt: 'now' },
      });
    if (url.pathname === '/v1/auth/logout') return json(200, { revoked: ['s1'] });
    if (url.pathname === '/v1/me') return json(server.me.status, server.me.body);
    return json(404, { code: 'NOT_FOUND', message: 'no route' });
  };
  const client = new LockstepClient({
    baseUrl: 'http://lockstep.test',
    token: 'lss_test',
    fetch: fetchImpl,
    WebSocket: class {
      constructor() {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      }
    } as unknown as new (url: string) => WebSocketLike,
  });
  const applied: number[] = [];
  const live = client.live({
    storage: options.storage ?? memoryStorage(),
    timers,
    random: options.random ?? (() => 0.5),
    onApply: (seq) => applied.push(seq),
  });
  const socket = () => sockets.at(-1)!;
  /** Opens the newest socket and says hello as the hub does. */
  const greet = (heartbeatMs = 1_000) => {
    socket().open();
    socket().push({
      type: 'hello',
      accountId: 7,
      sessionId: 's1',
      epoch: server.snapshot.epoch,
      seq: server.snapshot.seq,
      heartbeatMs,
    });
  };
  const event = (e: AccountEvent, epoch = 'epoch-1') => socket().push({ type: 'event', epoch, event: e });
  const balance = (seq: number) =>
    eventFixture(seq, 'balance.updated', { balance: { asset: 'BTC', free: String(seq), locked: '0' } });
  const openSockets = () => sockets.filter((s) => s.readyState !== 3).length;
  return {
    live,
    client,
    timers,
    sockets,
    socket,
    server,
    requests,
    applied,
    greet,
    event,
    balance,
    openSockets,
  };
}

/** Starts the live account and brings it live at the snapshot's seq. */
async function started(h: ReturnType<typeof harness>): Promise<LiveAccount> {
  const ready = h.live.start();
  await settle();
  h.greet();
  h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: h.server.snapshot.seq });
  await ready;
  return h.live;
}

describe('LiveAccount', () => {
  it('loads the snapshot, subscribes from its seq, applies the replay in order and goes live', async () => {
    const h = harness();
    const statuses: string[] = [];
    h.live.on('status', (s) => statuses.push(s));
    const ready = h.live.start();
    await settle();
    expect(h.requests.map((r) => r.path)).toEqual(['/v1/account/snapshot']);
    h.greet();
    expect(h.socket().sent).toEqual([
      { type: 'auth', token: 'lss_test' },
      { type: 'subscribe', since: 10, epoch: 'epoch-1' },
    ]);
    h.event(h.balance(11));
    h.event(h.balance(11));
    h.event(h.balance(9));
    h.event(h.balance(12));
    h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: 12 });
    await ready;
    expect(h.live.status).toBe('live');
    expect(statuses).toEqual(['connecting', 'syncing', 'live']);
    expect(h.applied).toEqual([11, 12]);
    expect(h.live.stats).toMatchObject({
      applied: 2,
      duplicatesDropped: 2,
      gaps: 0,
      snapshots: 1,
      reconnects: 0,
    });
    expect(h.live.state!.balances.find((b) => b.asset === 'BTC')!.free).toBe('12');
  });

  it('resubscribes from the last seq when an event skips ahead, after a jittered wait', async () => {
    const h = harness();
    await started(h);
    h.event(h.balance(11));
    h.event(h.balance(13));
    await settle();
    expect(h.live.stats.gaps).toBe(1);
    expect(h.live.status).toBe('reconnecting');
    expect(h.openSockets()).toBe(0);
    // Full jitter with random() = 0.5: half of the first ceiling (200 ms).
    expect(h.timers.requested.at(-1)).toBe(100);
    await h.timers.advance(99);
    expect(h.sockets).toHaveLength(1);
    await h.timers.advance(1);
    h.greet();
    expect(h.socket().subscription).toEqual({ type: 'subscribe', since: 11, epoch: 'epoch-1' });
    h.event(h.balance(12));
    h.event(h.balance(13));
    h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: 13 });
    expect(h.applied).toEqual([11, 12, 13]);
    expect(h.live.stats).toMatchObject({ reconnects: 1, snapshots: 1 });
  });

  it('treats a heartbeat ahead of the state as a gap once live, not during the replay', async () => {
    const h = harness();
    const ready = h.live.start();
    await settle();
    h.greet();
    h.socket().push({ type: 'heartbeat', epoch: 'epoch-1', seq: 15 });
    expect(h.live.stats.gaps).toBe(0);
    h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: 10 });
    await ready;
    h.socket().push({ type: 'heartbeat', epoch: 'epoch-1', seq: 10 });
    expect(h.live.stats.gaps).toBe(0);
    h.socket().push({ type: 'heartbeat', epoch: 'epoch-1', seq: 11 });
    expect(h.live.stats.gaps).toBe(1);
    await settle();
    await h.timers.advance(100);
    h.greet();
    expect(h.socket().subscription?.since).toBe(10);
  });

  it('reloads the snapshot on reset and follows from its seq', async () => {
    const h = harness();
    await started(h);
    h.server.snapshot = snapshotFixture({ epoch: 'epoch-2', seq: 40 });
    h.socket().push({ type: 'reset', epoch: 'epoch-2', seq: 40, reason: 'epoch changed' });
    await settle();
    await h.timers.advance(100);
    expect(h.requests.filter((r) => r.path === '/v1/account/snapshot')).toHaveLength(2);
    h.greet();
    expect(h.socket().subscription).toEqual({ type: 'subscribe', since: 40, epoch: 'epoch-2' });
    h.event(h.balance(41), 'epoch-2');
    expect(h.live.state).toMatchObject({ epoch: 'epoch-2', seq: 41 });
    expect(h.live.stats.snapshots).toBe(2);
  });

  it('gives up a silent connection after three heartbeats and a margin', async () => {
    const h = harness();
    await started(h);
    await h.timers.advance(3_999);
    expect(h.openSockets()).toBe(1);
    h.socket().push({ type: 'heartbeat', epoch: 'epoch-1', seq: 10 });
    await h.timers.advance(3_999);
    expect(h.live.stats.silences).toBe(0);
    await h.timers.advance(1);
    expect(h.live.stats.silences).toBe(1);
    expect(h.openSockets()).toBe(0);
    await settle();
    await h.timers.advance(100);
    expect(h.sockets).toHaveLength(2);
  });

  it('backs off exponentially while the server is away, and starts over once live', async () => {
    const h = harness({ random: () => 0.999 });
    await started(h);
    const waits: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      h.socket().close(1006, '');
      await settle();
      waits.push(h.timers.requested.at(-1)!);
      await h.timers.advance(waits.at(-1)!);
      expect(h.openSockets()).toBeLessThanOrEqual(1);
    }
    expect(waits).toEqual([199, 399, 799, 1598, 3196, 4995, 4995]);
    h.greet();
    h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: 10 });
    h.socket().close(1006, '');
    await settle();
    expect(h.timers.requested.at(-1)).toBe(199);
    expect(h.live.stats.reconnects).toBe(8);
  });

  it('retries a snapshot the network failed, and gives up on a signed-out session', async () => {
    const h = harness();
    h.server.refuseNext = { status: 503, body: { code: 'UNAVAILABLE', message: 'restarting' } };
    const ready = h.live.start();
    await settle();
    expect(h.sockets).toHaveLength(0);
    await h.timers.advance(100);
    h.greet();
    h.socket().push({ type: 'replayed', epoch: 'epoch-1', seq: 10 });
    await ready;

    const other = harness();
    other.server.refuseNext = {
      status: 401,
      body: {
        code: 'SESSION_REVOKED',
        message: 'This device was logged out.',
        details: { reason: 'logout' },
      },
    };
    await expect(other.live.start()).rejects.toThrow('This device was logged out.');
    expect(other.live.status).toBe('revoked');
    expect(other.live.revocation).toEqual({ reason: 'logout', message: 'This device was logged out.' });
  });

  it('on revocation forgets the account, says why, and never reconnects', async () => {
    const h = harness();
    await started(h);
    const heard: unknown[] = [];
    h.live.on('revoked', (r) => heard.push(r));
    h.socket().push({ type: 'revoked', reason: 'revoked_by_other_device', message: 'Signed out elsewhere.' });
    h.socket().close(4001, 'revoked_by_other_device');
    expect(h.live.state).toBeUndefined();
    expect(h.live.status).toBe('revoked');
    expect(heard).toEqual([{ reason: 'revoked_by_other_device', message: 'Signed out elsewhere.' }]);
    await h.timers.advance(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.requests).toHaveLength(1);
  });

  it('asks why when the socket refuses the credential: signed out while offline, or a passing refusal', async () => {
    const h = harness();
    await started(h);
    h.socket().close(1006, '');
    await settle();
    await h.timers.advance(100);
    // The session is fine (say, the token was just rotated by a step-up): try again.
    h.socket().open();
    h.socket().push({ type: 'error', code: 'SESSION_INVALID', message: 'unknown token' });
    h.socket().close(4401, 'SESSION_INVALID');
    await settle();
    expect(h.requests.at(-1)?.path).toBe('/v1/me');
    expect(h.live.status).toBe('reconnecting');
    await h.timers.advance(200);
    // Signed out while the device was away: a request says why, and the device stops.
    h.server.me = {
      status: 401,
      body: { code: 'SESSION_REVOKED', message: 'Signed out elsewhere.', details: { reason: 'logout_all' } },
    };
    h.socket().open();
    h.socket().close(4401, 'SESSION_REVOKED');
    await settle();
    expect(h.live.status).toBe('revoked');
    expect(h.live.revocation).toEqual({ reason: 'logout_all', message: 'Signed out elsewhere.' });
    expect(h.live.state).toBeUndefined();
    await h.timers.advance(60_000);
    expect(h.sockets).toHaveLength(3);
  });

  it('a logout through the client stops and clears its live accounts', async () => {
    const h = harness();
    await started(h);
    await h.client.logout();
    expect(h.live.status).toBe('revoked');
    expect(h.live.state).toBeUndefined();
    expect(h.openSockets()).toBe(0);
  });

  it('shows each notification once, per the preferences in effect at its seq', async () => {
    const storage = memoryStorage();
    const h = harness({ storage });
    await started(h);
    const shown: number[] = [];
    h.live.on('notification', (n) => shown.push(n.id));
    const categoriesOff = preferencesFixture();
    categoriesOff.notifications.categories.orders = false;
    h.event(eventFixture(11, 'notification.created', { notification: notificationFixture(0) }));
    h.event(eventFixture(12, 'preferences.updated', { preferences: categoriesOff }));
    h.event(eventFixture(13, 'notification.created', { notification: notificationFixture(0) }));
    h.event(eventFixture(14, 'preferences.updated', { preferences: preferencesFixture() }));
    h.event(
      eventFixture(15, 'notification.created', {
        notification: notificationFixture(0, { kind: 'price_alert', category: 'priceAlerts' }),
      }),
    );
    h.live.local.set({ priceAlertNotifications: false });
    h.event(
      eventFixture(16, 'notification.created', {
        notification: notificationFixture(0, { kind: 'price_alert', category: 'priceAlerts' }),
      }),
    );
    const deviceOff = preferencesFixture();
    deviceOff.notifications.devices = [{ device: 'fp-1', enabled: false }];
    h.event(eventFixture(17, 'preferences.updated', { preferences: deviceOff }));
    h.event(eventFixture(18, 'notification.created', { notification: notificationFixture(0) }));
    expect(shown).toEqual([11, 15]);
    expect(h.live.stats.notificationsDelivered).toBe(2);
  });

  it('after a restart of the app, shows the unread notifications it missed, and only once', async () => {
    const storage = memoryStorage();
    const first = harness({ storage });
    await started(first);
    first.live.close();
    // While the app was closed: two notifications, one of them read on another device.
    const snapshot = snapshotFixture({
      seq: 14,
      notifications: [
        notificationFixture(14),
        notificationFixture(12, { readAt: '2026-01-01T00:00:00.000Z' }),
        notificationFixture(11),
      ],
      unreadNotifications: 2,
    });
    for (let run = 0; run < 2; run += 1) {
      const again = harness({ storage });
      again.server.snapshot = snapshot;
      const shown: number[] = [];
      again.live.on('notification', (n) => shown.push(n.id));
      await started(again);
      expect(shown).toEqual(run === 0 ? [11, 14] : []);
      again.live.close();
    }
    // A device's first run shows nothing of the past.
    const fresh = harness();
    fresh.server.snapshot = snapshot;
    const shown: number[] = [];
    fresh.live.on('notification', (n) => shown.push(n.id));
    await started(fresh);
    expect(shown).toEqual([]);
  });

  it('keeps watchlists on the server while cloud sync is on, and on the device once it is off', async () => {
    const h = harness();
    h.server.snapshot = snapshotFixture({
      watchlists: [{ name: 'majors', symbols: ['BTCUSDT'], updatedAt: '2026-01-01T00:00:00.000Z' }],
    });
    await started(h);
    await h.live.setWatchlist('alts', ['ETHBTC']);
    expect(h.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/v1/watchlists/alts',
      body: { symbols: ['ETHBTC'] },
    });
    h.event(
      eventFixture(11, 'preferences.updated', { preferences: preferencesFixture({ cloudSync: false }) }),
    );
    // The synced list was copied onto the device: nothing disappears from the screen.
    expect(h.live.watchlists.map((w) => w.name)).toEqual(['majors']);
    const before = h.requests.length;
    await h.live.setWatchlist('local', ['BTCUSDT']);
    await h.live.deleteWatchlist('majors');
    expect(h.requests).toHaveLength(before);
    expect(h.live.watchlists.map((w) => w.name)).toEqual(['local']);
  });

  it('never holds two connections at once, and close() stops everything', async () => {
    const h = harness();
    await started(h);
    h.event(h.balance(12));
    expect(h.openSockets()).toBe(0);
    await settle();
    await h.timers.advance(100);
    expect(h.openSockets()).toBe(1);
    h.live.close();
    expect(h.openSockets()).toBe(0);
    expect(h.live.status).toBe('closed');
    await h.timers.advance(60_000);
    expect(h.sockets).toHaveLength(2);
  });

  it('opens no connection when a listener closes it while the snapshot is adopted', async () => {
    const h = harness();
    const statuses: string[] = [];
    h.live.on('status', (s) => statuses.push(s));
    h.live.on('change', ({ category }) => {
      if (category === 'snapshot') h.live.close();
    });
    const ready = h.live.start().catch(() => 'rejected');
    await settle();
    await h.timers.advance(60_000);
    expect(h.sockets).toHaveLength(0);
    expect(h.live.status).toBe('closed');
    expect(statuses).not.toContain('live');
    expect(h.applied).toEqual([]);
    await ready;
  });
});
