import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  LockstepClient,
  memoryStorage,
  normalizeForCompare,
  type KeyValueStorage,
  type LiveAccount,
  type WebSocketConstructor,
} from '@lockstep/sdk';
import type { NotificationView, Platform } from '@lockstep/protocol';
import { readAdminToken, type ServerOptions } from '@lockstep/server';
import { backends, registerAccount, startTestServer, type TestServer } from '../support/server.ts';
import { fund } from '../support/trading.ts';

type Bus = NonNullable<ServerOptions['bus']>;
type Batch = Parameters<Bus['publish']>[0];

/** An in-process bus that loses the next batch of an account when told to, as Redis may. */
function lossyBus(): Bus & { dropNext(accountId: number): void; dropped: Batch[] } {
  const handlers = new Set<(batch: Batch) => void>();
  const toDrop = new Set<number>();
  const dropped: Batch[] = [];
  return {
    dropped,
    dropNext: (accountId) => void toDrop.add(accountId),
    publish(batch) {
      if (toDrop.delete(batch.accountId)) {
        dropped.push(batch);
        return;
      }
      for (const handler of handlers) handler(batch);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
  };
}

/** What the clients of a test put on the wire: request URLs and bodies, socket messages. */
const wire: string[] = [];

const recordingFetch: typeof fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  wire.push(`${init?.method ?? 'GET'} ${url} ${typeof init?.body === 'string' ? init.body : ''}`);
  return fetch(input, init);
};

/** Node's WebSocket, recording what the SDK sends; while `network.offline`, every connection fails. */
function socketClass(network: { offline: boolean }): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      // Port 9 (discard) is closed: the connection is refused, as with no network.
      super(network.offline ? 'ws://127.0.0.1:9/v1/ws' : url);
    }
    override send(data: string): void {
      wire.push(`ws ${data}`);
      super.send(data);
    }
  };
}

/** One device of the account: its client, its live account, and what it applied and showed. */
interface Device {
  name: string;
  client: LockstepClient;
  live: LiveAccount;
  storage: KeyValueStorage;
  network: { offline: boolean };
  applied: number[];
  shown: NotificationView[];
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

describe.each(backends)('live accounts (%s)', (backend) => {
  let server: TestServer;
  let admin: string;
  let bus: ReturnType<typeof lossyBus>;
  const devices: Device[] = [];

  beforeEach(async () => {
    wire.length = 0;
    bus = lossyBus();
    server = await startTestServer({ backend, bus, heartbeatMs: 200 });
    admin = readAdminToken(server.dataDir);
  });
  afterEach(async () => {
    for (const device of devices.splice(0)) device.live.close();
    await server.dispose();
  });

  function newClient(network: { offline: boolean }, platform: string): LockstepClient {
    return new LockstepClient({
      baseUrl: server.url,
      WebSocket: socketClass(network),
      userAgent: `lockstep-tests/${platform}`,
      fetch: recordingFetch,
    });
  }

  /** Follows the account on `client` (already logged in) with the given device storage. */
  function follow(
    name: string,
    client: LockstepClient,
    storage = memoryStorage(),
    network = { offline: false },
  ) {
    const applied: number[] = [];
    const shown: NotificationView[] = [];
    const live = client.live({ storage, onApply: (seq) => applied.push(seq) });
    live.on('notification', (n) => shown.push(n));
    const device: Device = { name, client, live, storage, network, applied, shown };
    devices.push(device);
    return device;
  }

  /** Logs a device of the account in and starts its live account. */
  async function device(account: { email: string; password: string }, platform: Platform): Promise<Device> {
    const network = { offline: false };
    const client = newClient(network, platform);
    await client.login({ ...account, platform, deviceName: `${platform} device` });
    const d = follow(platform, client, memoryStorage(), network);
    await d.live.start();
    return d;
  }

  /** Waits (polling, never a fixed sleep) until every device applied the account's head. */
  async function converged(list: Device[], reader: LockstepClient): Promise<void> {
    await vi.waitFor(
      async () => {
        const head = (await reader.me()).stream.seq;
        for (const d of list) expect(d.live.lastSeq, d.name).toBe(head);
      },
      { timeout: 15_000, interval: 25 },
    );
  }

  /** Every device holds exactly what a fresh snapshot says. */
  async function sameAsServer(list: Device[], reader: LockstepClient): Promise<void> {
    const expected = normalizeForCompare(await reader.snapshot());
    for (const d of list) expect(normalizeForCompare(d.live.state!), d.name).toEqual(expected);
  }

  /** Each device applied every seq after its snapshot once, in order. */
  function appliedOnce(d: Device): void {
    expect(new Set(d.applied).size, d.name).toBe(d.applied.length);
    if (d.live.stats.snapshots === 1 && d.applied.length > 0)
      expect(d.applied, d.name).toEqual(range(d.applied[0]!, d.live.lastSeq));
  }

  it('six devices: a change of every category on any device reaches the others, which then equal a fresh snapshot', async () => {
    const account = await registerAccount(server);
    const desktop = await device(account, 'desktop');
    await desktop.client.stepUp({ password: account.password });
    // New-device logins would hold withdrawals for 48 hours (A10); this account trades at once.
    await desktop.client.setSecurityPolicy({ newDeviceWithdrawalHold: false });
    const web = await device(account, 'web');
    const phone = await device(account, 'ios');
    const browser = await device(account, 'web');
    const android = await device(account, 'android');
    const ipad = await device(account, 'ipad');
    const all = [desktop, web, phone, browser, android, ipad];
    const seen = new Set<string>();
    phone.live.on('change', ({ category }) => seen.add(category));

    // Preferences: the phone turns its own notifications off; the web turns deposits off for all.
    await phone.client.updatePreferences({ deviceNotifications: false });
    // What the phone showed before (the alerts of the devices that logged in after it) stays shown.
    await converged([phone], desktop.client);
    const phoneShownBefore = phone.shown.length;
    await web.client.updatePreferences({ notificationCategories: { deposits: false } });
    // This device does not want price alerts to ring here; the definitions stay shared.
    desktop.live.local.set({ priceAlertNotifications: false });

    // Wallet: an operator's deposit; KYC by the operator.
    await desktop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '100000' });
    const { address } = await web.client.depositAddress('BTC');
    await desktop.client.adminChainDeposit(admin, { address, amount: '0.5', txId: 'tx-live-1' });
    await desktop.client.adminConfirmDeposit(admin, 'tx-live-1', 12);
    await desktop.client.adminKyc(admin, { email: account.email, status: 'verified' });

    // Trading: an order placed and cancelled, then one filled by another account; a price alert
    // set on the web triggers on that trade.
    const other = await device(await registerAccount(server), 'android');
    await fund(server, other.client, 'BTC', 1e8);
    const order = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.1',
    } as const;
    const resting = await desktop.client.placeOrder({ ...order, price: '40000.00' });
    await web.client.cancelOrder('BTCUSDT', resting.order.orderId);
    await web.client.createPriceAlert({
      symbol: 'BTCUSDT',
      condition: 'ABOVE',
      price: '49000.00',
      note: 'breakout',
    });
    await web.client.createPriceAlert({ symbol: 'BTCUSDT', condition: 'BELOW', price: '1000.00' });
    const { priceAlert: unwanted } = await android.client.createPriceAlert({
      symbol: 'ETHUSDT',
      condition: 'ABOVE',
      price: '9000.00',
    });
    await ipad.client.deletePriceAlert(unwanted.id);
    await desktop.client.placeOrder({ ...order, price: '50000.00' });
    await other.client.placeOrder({ ...order, side: 'SELL', price: '50000.00' });

    // A withdrawal through its statuses.
    const { withdrawal } = await desktop.client.withdraw({
      asset: 'USDT',
      amount: '10',
      address: 'ext-addr-1',
    });
    await desktop.client.adminWithdrawalStep(admin, withdrawal.id, 'process');
    await desktop.client.adminWithdrawalStep(admin, withdrawal.id, 'complete');

    // Devices: one more browser logs in (a security alert for the new device) and out again.
    const visitor = newClient({ offline: false }, 'web');
    await visitor.login({ ...account, platform: 'web' });
    await visitor.logout();
    // "It was me" on one device closes each new-device alert on all of them.
    const { alerts } = await desktop.client.securityAlerts();
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    for (const alert of alerts) await desktop.client.confirmAlert(alert.id);

    // Security settings and API keys.
    await desktop.client.setAntiPhishingCode('blue otter');
    const key = await desktop.client.createApiKey({
      label: 'bot',
      type: 'HMAC_SHA256',
      permissions: ['read'],
    });
    await desktop.client.updateApiKey(key.apiKey.id, { label: 'renamed bot' });
    const doomed = await desktop.client.createApiKey({
      label: 'doomed',
      type: 'HMAC_SHA256',
      permissions: ['read'],
    });
    await desktop.client.deleteApiKey(doomed.apiKey.id);

    // Watchlists (cloud sync is on by default).
    await browser.client.putWatchlist('majors', ['BTCUSDT', 'ETHUSDT']);
    await web.live.setWatchlist('temporary', ['ETHBTC']);
    await desktop.live.deleteWatchlist('temporary');

    await converged(all, desktop.client);
    await sameAsServer(all, desktop.client);
    for (const d of all) appliedOnce(d);
    const state = phone.live.state!;
    expect(state.kyc).toMatchObject({ status: 'verified', level: 1 });
    expect(state.security.antiPhishingCode).toBe('blue otter');
    expect(state.balances.find((b) => b.asset === 'BTC')?.free).toMatch(/^0\.5999/);
    expect(state.deposits.map((d) => d.status)).toEqual(['CREDITED']);
    expect(state.openOrders).toEqual([]);
    expect(state.orders.map((o) => o.status)).toEqual(['FILLED', 'CANCELED']);
    expect(state.trades).toHaveLength(1);
    expect(state.withdrawals.map((w) => w.status)).toEqual(['COMPLETED']);
    expect(state.apiKeys.map((k) => k.label)).toEqual(['renamed bot']);
    expect(state.sessions.map((s) => s.platform).sort()).toEqual([
      'android',
      'desktop',
      'ios',
      'ipad',
      'web',
      'web',
    ]);
    expect(state.watchlists.map((w) => w.name)).toEqual(['majors']);
    expect(state.priceAlerts.map((p) => [p.condition, p.status]).sort()).toEqual([
      ['ABOVE', 'TRIGGERED'],
      ['BELOW', 'ACTIVE'],
    ]);
    expect([...seen].sort()).toEqual(
      [
        'alerts',
        'apiKeys',
        'balances',
        'deposits',
        'kyc',
        'notifications',
        'orders',
        'preferences',
        'priceAlerts',
        'security',
        'sessions',
        'trades',
        'watchlists',
        'withdrawals',
      ].sort(),
    );

    // The read routes say the same as the stream.
    expect((await web.client.kyc()).kyc).toEqual(state.kyc);
    expect((await web.client.preferences()).preferences).toEqual(state.preferences);
    expect((await web.client.priceAlerts()).priceAlerts).toEqual(expect.arrayContaining(state.priceAlerts));
    expect((await web.client.watchlists()).watchlists).toEqual(state.watchlists);
    const page = await web.client.notifications({ limit: 2 });
    expect(page.notifications).toEqual(state.notifications.slice(0, 2));
    expect(page.unread).toBe(state.unreadNotifications);

    // Notifications, each shown once per device per its preferences: none on the phone (its
    // switch is off), no deposit anywhere (category off), the price alert only where it rings.
    const kinds = (d: Device) =>
      d.shown
        .map((n) => n.kind)
        .filter((k) => k !== 'security_alert')
        .sort();
    expect(state.notifications.map((n) => n.kind)).toEqual(
      expect.arrayContaining(['deposit_credited', 'order_filled', 'price_alert', 'withdrawal_completed']),
    );
    expect(phone.shown.slice(phoneShownBefore)).toEqual([]);
    expect(phone.shown.every((n) => n.kind === 'security_alert')).toBe(true);
    for (const d of [web, browser, android, ipad])
      expect(kinds(d), d.name).toEqual(['order_filled', 'price_alert', 'withdrawal_completed']);
    expect(kinds(desktop)).toEqual(['order_filled', 'withdrawal_completed']);
    // The tablet's login was news to the devices already online.
    for (const d of [desktop, web])
      expect(
        d.shown.map((n) => n.kind),
        d.name,
      ).toContain('security_alert');
    for (const d of all) expect(new Set(d.shown.map((n) => n.id)).size, d.name).toBe(d.shown.length);

    // Read on one device: read on every device.
    const newest = state.notifications[0]!.id;
    await ipad.client.markNotificationsRead({ upTo: newest });
    await converged(all, desktop.client);
    for (const d of all) {
      expect(d.live.state!.unreadNotifications, d.name).toBe(0);
      expect(
        d.live.state!.notifications.every((n) => n.readAt !== null),
        d.name,
      ).toBe(true);
    }
    await sameAsServer(all, web.client);
    expect((await phone.client.notifications({ unreadOnly: true })).notifications).toEqual([]);
  });

  it('local preferences never leave the device', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');
    laptop.live.local.set({
      layout: 'layout-marker-7f3a',
      language: 'x-marker-lang',
      theme: 'dark',
      fontSize: 31,
      shortcuts: { 'shortcut-marker-action': 'Ctrl+Marker' },
    });
    // Activity afterwards, on both devices, so anything a device might send has had the chance.
    await laptop.client.updatePreferences({ cloudSync: true });
    await phone.client.putWatchlist('majors', ['BTCUSDT']);
    await laptop.live.setWatchlist('alts', ['ETHBTC']);
    await converged([laptop, phone], laptop.client);
    const sent = wire.join('\n');
    expect(sent).toContain('/v1/watchlists/alts');
    for (const marker of [
      'layout-marker-7f3a',
      'x-marker-lang',
      'shortcut-marker-action',
      'Ctrl+Marker',
      '"fontSize"',
    ])
      expect(sent).not.toContain(marker);
    expect(phone.live.local.all()).toMatchObject({
      layout: 'standard',
      language: 'en',
      theme: 'system',
      fontSize: 14,
    });
    expect(JSON.stringify(await phone.client.snapshot())).not.toContain('marker');
  });

  it('a signed-out device forgets the account at once and never reconnects; logout() clears it too', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');
    const tablet = await device(account, 'ipad');
    const revoked = new Promise((resolve) => phone.live.on('revoked', resolve));
    const phoneSession = phone.live.state!.device.sessionId;

    await laptop.client.logoutDevice(phoneSession);
    expect(await revoked).toMatchObject({ reason: 'revoked_by_other_device' });
    expect(phone.live.status).toBe('revoked');
    expect(phone.live.state).toBeUndefined();
    expect(phone.live.connection).toBeUndefined();

    // Later changes reach the others; the signed-out device stays down.
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '5' });
    await converged([laptop, tablet], laptop.client);
    expect(phone.live.status).toBe('revoked');
    expect(phone.live.stats.reconnects).toBe(0);
    expect(phone.live.state).toBeUndefined();

    await tablet.client.logout();
    expect(tablet.live.status).toBe('revoked');
    expect(tablet.live.state).toBeUndefined();
    expect(tablet.live.revocation?.reason).toBe('logout');
  });

  it('a device whose socket dies, or that is offline for a while, applies each seq exactly once', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');

    // The socket is killed: the device reconnects and resumes from its last seq.
    phone.live.connection!.terminate();
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '100' });
    await laptop.client.putWatchlist('majors', ['BTCUSDT']);
    await converged([laptop, phone], laptop.client);
    expect(phone.live.stats.reconnects).toBeGreaterThanOrEqual(1);

    // Offline: every connection attempt fails while things happen, notifications among them.
    const shownBefore = phone.shown.length;
    phone.network.offline = true;
    phone.live.connection!.terminate();
    const reconnects = phone.live.stats.reconnects;
    await vi.waitFor(() => expect(phone.live.status).toBe('reconnecting'), { timeout: 10_000 });
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '7' });
    await laptop.client.putWatchlist('alts', ['ETHBTC']);
    await laptop.client.adminKyc(admin, { email: account.email, status: 'pending' });
    // Attempts keep failing (each a little later than the last) until the network is back.
    await vi.waitFor(() => expect(phone.live.stats.reconnects).toBeGreaterThanOrEqual(reconnects + 3), {
      timeout: 10_000,
    });
    expect(phone.live.lastSeq).toBeLessThan((await laptop.client.me()).stream.seq);
    phone.network.offline = false;

    await converged([laptop, phone], laptop.client);
    await sameAsServer([laptop, phone], laptop.client);
    appliedOnce(phone);
    appliedOnce(laptop);
    expect(phone.live.stats.snapshots).toBe(1);
    // The deposit's notification it missed is shown once it returns.
    expect(phone.shown.slice(shownBefore).map((n) => n.kind)).toEqual(['deposit_credited']);
  });

  it('after an app restart, shows only the unread notifications it has not shown yet', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const storage = memoryStorage();
    const phoneClient = newClient({ offline: false }, 'ios');
    await phoneClient.login({ ...account, platform: 'ios' });
    const first = follow('phone', phoneClient, storage);
    await first.live.start();
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '1' });
    await converged([first, laptop], laptop.client);
    expect(first.shown.map((n) => n.kind)).toEqual(['deposit_credited']);
    first.live.close();

    // While the app is closed: two deposits; the first one is read on the laptop.
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '2' });
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '3' });
    await converged([laptop], laptop.client);
    const [newest, older] = laptop.live.state!.notifications;
    await laptop.client.markNotificationsRead({ ids: [older!.id] });

    const second = follow('phone again', phoneClient, storage);
    await second.live.start();
    expect(second.shown.map((n) => n.id)).toEqual([newest!.id]);
    second.live.close();
    const third = follow('phone once more', phoneClient, storage);
    await third.live.start();
    expect(third.shown).toEqual([]);
  });

  it('events the bus lost reach every device, each once: the last one by the heartbeat', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');
    const accountId = phone.live.state!.account.id;

    // A batch lost in the middle: the next one shows the gap.
    bus.dropNext(accountId);
    await laptop.client.putWatchlist('lost in the middle', ['BTCUSDT']);
    await laptop.client.putWatchlist('after it', ['ETHBTC']);
    await converged([laptop, phone], laptop.client);
    // The last batch lost: nothing follows it, only the heartbeat's head says it exists.
    bus.dropNext(accountId);
    await laptop.client.putWatchlist('lost last', ['ETHUSDT']);
    expect(bus.dropped).toHaveLength(2);

    await converged([laptop, phone], laptop.client);
    for (const d of [laptop, phone]) appliedOnce(d);
    await sameAsServer([laptop, phone], laptop.client);
    expect(phone.live.watchlists.map((w) => w.name)).toEqual(['lost in the middle', 'after it', 'lost last']);
  });

  it('devices reconnect after a server restart and carry on where they stopped', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');
    await laptop.client.putWatchlist('before', ['BTCUSDT']);
    await converged([laptop, phone], laptop.client);

    server = await server.restart({ bus });
    admin = readAdminToken(server.dataDir);
    await laptop.client.adminDeposit(admin, { email: account.email, asset: 'USDT', amount: '9' });
    await phone.client.putWatchlist('after', ['ETHBTC']);
    await converged([laptop, phone], laptop.client);
    await sameAsServer([laptop, phone], phone.client);
    for (const d of [laptop, phone]) {
      appliedOnce(d);
      expect(d.live.stats.reconnects, d.name).toBeGreaterThanOrEqual(1);
    }
  });

  it('watchlists are synced while cloud sync is on and kept on each device once it is off', async () => {
    const account = await registerAccount(server);
    const laptop = await device(account, 'desktop');
    const phone = await device(account, 'ios');
    await laptop.live.setWatchlist('majors', ['BTCUSDT', 'ETHUSDT']);
    await converged([laptop, phone], laptop.client);
    expect(phone.live.watchlists.map((w) => w.name)).toEqual(['majors']);

    await phone.client.updatePreferences({ cloudSync: false });
    await converged([laptop, phone], laptop.client);
    // Nothing disappears: each device copied the synced lists before showing its own.
    for (const d of [laptop, phone])
      expect(
        d.live.watchlists.map((w) => w.name),
        d.name,
      ).toEqual(['majors']);

    // Now each device keeps its own; nothing goes to the server.
    const before = wire.length;
    await laptop.live.setWatchlist('laptop only', ['ETHBTC']);
    await phone.live.deleteWatchlist('majors');
    expect(wire.slice(before).filter((w) => w.includes('/v1/watchlists'))).toEqual([]);
    expect(laptop.live.watchlists.map((w) => w.name)).toEqual(['majors', 'laptop only']);
    expect(phone.live.watchlists).toEqual([]);
    expect((await laptop.client.watchlists()).watchlists.map((w) => w.name)).toEqual(['majors']);
    expect((await laptop.client.putWatchlist('x', []).catch((e: { code: string }) => e.code)) as string).toBe(
      'CLOUD_SYNC_OFF',
    );
  });
});
