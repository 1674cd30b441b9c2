import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockstepClient } from '@lockstep/sdk';
import type {
  AccountEvent,
  AccountSnapshot,
  MarkReadResult,
  NotificationPage,
  PreferencesView,
  PriceAlertView,
  WatchlistView,
} from '@lockstep/protocol';
import { readAdminToken } from '@lockstep/server';
import {
  backends,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';
import { codeOf, fund } from '../support/trading.ts';

/**
 * The data categories of issue 5 through the API: KYC, preferences, watchlists, price alerts, the
 * notification centre and the account snapshot; each change is an event on the account stream.
 */
describe.each(backends)('synced account data (%s)', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ backend });
  });
  afterEach(async () => {
    await server.dispose();
  });

  const get = <T>(c: LockstepClient, path: string) => c.request<T>('GET', path);
  const snapshot = (c: LockstepClient) => get<AccountSnapshot>(c, '/v1/account/snapshot');

  /** Two devices of one account, and the events the second one receives. */
  async function twoDevices(): Promise<{
    desk: LockstepClient;
    phone: LockstepClient;
    events: AccountEvent[];
    close: () => void;
  }> {
    const who = await registerAccount(server);
    const desk = await loginDevice(server, who, 'desktop');
    const phone = await loginDevice(server, who, 'ios');
    const live = phone.connect({ since: (await phone.me()).stream.seq });
    const events: AccountEvent[] = [];
    live.on('event', (e) => events.push(e));
    await live.next('replayed');
    return { desk, phone, events, close: () => live.close() };
  }

  /** Waits until the device has received events up to the account's head (never a fixed sleep). */
  async function caughtUp(events: AccountEvent[], client: LockstepClient): Promise<void> {
    const head = (await client.me()).stream.seq;
    await expect.poll(() => events.at(-1)?.seq ?? 0, { timeout: 10_000, interval: 10 }).toBe(head);
  }

  it('sets KYC by operator and shows it on every device', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const admin = readAdminToken(server.dataDir);
    const email = (await desk.me()).account.email;
    expect((await get<{ kyc: unknown }>(desk, '/v1/kyc')).kyc).toEqual({
      status: 'none',
      level: 0,
      updatedAt: null,
    });
    const headers = { 'x-lockstep-admin-token': admin };
    const set = await desk.request<{ kyc: { status: string; level: number } }>(
      'POST',
      '/v1/admin/kyc',
      { email, status: 'verified' },
      headers,
    );
    expect(set.kyc).toMatchObject({ status: 'verified', level: 1 });
    await caughtUp(events, phone);
    expect(events.filter((e) => e.type === 'kyc.updated').map((e) => e.data)).toEqual([{ kyc: set.kyc }]);
    // Operators only; a bad level names the field; unknown emails are refused.
    expect(await codeOf(desk.request('POST', '/v1/admin/kyc', { email, status: 'verified' }))).toBe(
      '401 UNAUTHENTICATED',
    );
    expect(
      await codeOf(desk.request('POST', '/v1/admin/kyc', { email, status: 'pending', level: 2 }, headers)),
    ).toBe('400 VALIDATION_FAILED level');
    expect(
      await codeOf(
        desk.request('POST', '/v1/admin/kyc', { email: 'nobody@example.test', status: 'pending' }, headers),
      ),
    ).toBe('400 VALIDATION_FAILED email');
    close();
  });

  it('keeps preferences account-wide with a switch per device', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const initial = (await get<{ preferences: PreferencesView }>(desk, '/v1/preferences')).preferences;
    expect(initial).toMatchObject({
      cloudSync: true,
      notifications: {
        categories: { orders: true, deposits: true, withdrawals: true, priceAlerts: true, security: true },
        devices: [],
      },
    });
    const { preferences } = await desk.request<{ preferences: PreferencesView }>('PATCH', '/v1/preferences', {
      notificationCategories: { deposits: false },
      deviceNotifications: false,
    });
    const deskFingerprint = (await snapshot(desk)).device.fingerprint;
    expect(preferences.notifications.categories.deposits).toBe(false);
    expect(preferences.notifications.devices).toEqual([{ device: deskFingerprint, enabled: false }]);
    // The phone's own switch is separate.
    const phoneView = await phone.request<{ preferences: PreferencesView }>('PATCH', '/v1/preferences', {
      deviceNotifications: true,
    });
    expect(phoneView.preferences.notifications.devices).toHaveLength(2);
    await caughtUp(events, phone);
    expect(events.filter((e) => e.type === 'preferences.updated')).toHaveLength(2);
    expect(
      await codeOf(desk.request('PATCH', '/v1/preferences', { notificationCategories: { security: false } })),
    ).toBe('400 VALIDATION_FAILED notificationCategories.security');
    expect(await codeOf(desk.request('PATCH', '/v1/preferences', {}))).toMatch(/^400 VALIDATION_FAILED/);
    expect(await codeOf(desk.request('PATCH', '/v1/preferences', { theme: 'dark' }))).toMatch(
      /^400 VALIDATION_FAILED/,
    );
    close();
  });

  it('syncs watchlists only while cloud sync is on', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const put = await desk.request<{ watchlist: WatchlistView }>('PUT', '/v1/watchlists/Majors', {
      symbols: ['BTCUSDT', 'ETHUSDT'],
    });
    expect(put.watchlist).toMatchObject({ name: 'Majors', symbols: ['BTCUSDT', 'ETHUSDT'] });
    await desk.request('PUT', '/v1/watchlists/Majors', { symbols: ['ETHUSDT'] });
    expect((await get<{ watchlists: WatchlistView[] }>(phone, '/v1/watchlists')).watchlists).toMatchObject([
      { name: 'Majors', symbols: ['ETHUSDT'] },
    ]);
    expect(await codeOf(desk.request('PUT', '/v1/watchlists/Bad', { symbols: ['BTCUSDT', 'NOPE'] }))).toBe(
      '400 UNKNOWN_SYMBOL symbols.1',
    );
    expect(await codeOf(desk.request('PUT', '/v1/watchlists/x%2Fy', { symbols: [] }))).toMatch(
      /^400 VALIDATION_FAILED/,
    );
    expect(await codeOf(desk.request('DELETE', '/v1/watchlists/Nope'))).toBe('404 UNKNOWN_WATCHLIST name');
    await phone.request('PATCH', '/v1/preferences', { cloudSync: false });
    expect(await codeOf(desk.request('PUT', '/v1/watchlists/Majors', { symbols: [] }))).toBe(
      '409 CLOUD_SYNC_OFF',
    );
    await phone.request('PATCH', '/v1/preferences', { cloudSync: true });
    await desk.request('DELETE', '/v1/watchlists/Majors');
    await caughtUp(events, phone);
    expect(events.filter((e) => e.type.startsWith('watchlist.')).map((e) => e.type)).toEqual([
      'watchlist.updated',
      'watchlist.updated',
      'watchlist.deleted',
    ]);
    close();
  });

  it('triggers a shared price alert once, from the engine’s trades, with a notification', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const seller = await loginDevice(server, await registerAccount(server), 'web');
    await fund(server, desk, 'USDT', 1_000_000 * 1e8);
    await fund(server, seller, 'BTC', 10 * 1e8);
    const { priceAlert } = await desk.request<{ priceAlert: PriceAlertView }>('POST', '/v1/price-alerts', {
      symbol: 'BTCUSDT',
      condition: 'BELOW',
      price: '49000',
      note: 'buy the dip',
    });
    expect(priceAlert).toMatchObject({ status: 'ACTIVE', price: '49000.00', triggeredAt: null });
    expect(
      await codeOf(
        desk.request('POST', '/v1/price-alerts', { symbol: 'BTCUSDT', condition: 'ABOVE', price: '1.001' }),
      ),
    ).toBe('400 PRICE_FILTER price');
    expect(
      await codeOf(
        desk.request('POST', '/v1/price-alerts', { symbol: 'NOPE', condition: 'ABOVE', price: '1' }),
      ),
    ).toBe('400 UNKNOWN_SYMBOL symbol');
    expect(
      await codeOf(
        desk.request('POST', '/v1/price-alerts', { symbol: 'BTCUSDT', condition: 'SIDEWAYS', price: '1' }),
      ),
    ).toMatch(/^400 VALIDATION_FAILED/);
    // A trade above the alert does nothing; one at 48,500 triggers it, and a later one does not again.
    const trade = async (price: string) => {
      await seller.placeOrder({
        symbol: 'BTCUSDT',
        side: 'SELL',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '0.01',
        price,
      });
      await desk.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'IOC',
        quantity: '0.01',
        price,
      });
    };
    await trade('50000');
    expect(
      (await get<{ priceAlerts: PriceAlertView[] }>(phone, '/v1/price-alerts')).priceAlerts[0]!.status,
    ).toBe('ACTIVE');
    await trade('48500');
    await trade('48000');
    const [alert] = (await get<{ priceAlerts: PriceAlertView[] }>(phone, '/v1/price-alerts')).priceAlerts;
    expect(alert).toMatchObject({ status: 'TRIGGERED', triggerPrice: '48500.00' });
    await caughtUp(events, phone);
    const created = events.flatMap((e) => (e.type === 'notification.created' ? [e.data.notification] : []));
    expect(created.filter((n) => n.kind === 'price_alert')).toHaveLength(1);
    // Each buy filled: one order notification per order, whose id is its event's seq.
    expect(created.filter((n) => n.kind === 'order_filled')).toHaveLength(3);
    for (const n of created) expect(events.find((e) => e.seq === n.id)?.type).toBe('notification.created');
    await desk.request('DELETE', `/v1/price-alerts/${alert!.id}`);
    expect(await codeOf(desk.request('DELETE', `/v1/price-alerts/${alert!.id}`))).toBe(
      '404 UNKNOWN_PRICE_ALERT id',
    );
    close();
  });

  it('keeps one notification centre with read state shared by every device', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const admin = readAdminToken(server.dataDir);
    const email = (await desk.me()).account.email;
    for (const amount of ['1', '2', '3']) await desk.adminDeposit(admin, { email, asset: 'USDT', amount });
    const centre = await get<NotificationPage>(phone, '/v1/notifications');
    // The phone's login raised a security alert first (a new device), then the three deposits.
    expect(centre.unread).toBe(4);
    expect(centre.notifications.map((n) => [n.kind, n.body])).toEqual([
      ['deposit_credited', '3.00000000 USDT is in your balance.'],
      ['deposit_credited', '2.00000000 USDT is in your balance.'],
      ['deposit_credited', '1.00000000 USDT is in your balance.'],
      ['security_alert', expect.stringMatching(/signed in from/)],
    ]);
    const [third, second, first] = centre.notifications;
    const byIds = await desk.request<MarkReadResult>('POST', '/v1/notifications/read', { ids: [second!.id] });
    expect(byIds).toMatchObject({ read: [second!.id], upTo: null, unread: 3 });
    // Marking again changes nothing and says so.
    expect(
      await desk.request<MarkReadResult>('POST', '/v1/notifications/read', { ids: [second!.id] }),
    ).toMatchObject({ read: [], unread: 3 });
    const upTo = await phone.request<MarkReadResult>('POST', '/v1/notifications/read', { upTo: third!.id });
    expect(upTo.unread).toBe(0);
    const page = await get<NotificationPage>(desk, `/v1/notifications?limit=1&before=${third!.id}`);
    expect(page.notifications.map((n) => n.id)).toEqual([second!.id]);
    expect(page.nextBefore).toBe(second!.id);
    expect((await get<NotificationPage>(desk, '/v1/notifications?unreadOnly=true')).notifications).toEqual(
      [],
    );
    expect(await codeOf(desk.request('POST', '/v1/notifications/read', { ids: [1], upTo: 3 }))).toMatch(
      /^400 VALIDATION_FAILED/,
    );
    // Ids past 2^53 are refused by the schema on every store (PostgreSQL would reject the bigint).
    for (const body of [{ upTo: 1e20 }, { ids: [1e20] }])
      expect(await codeOf(desk.request('POST', '/v1/notifications/read', body))).toMatch(
        /^400 VALIDATION_FAILED/,
      );
    expect(await codeOf(get(desk, '/v1/notifications?before=100000000000000000000'))).toMatch(
      /^400 VALIDATION_FAILED/,
    );
    await caughtUp(events, phone);
    expect(events.filter((e) => e.type === 'notification.read').map((e) => e.data)).toEqual([
      { ids: [second!.id], upTo: null, readAt: byIds.readAt, unread: 3 },
      { ids: [], upTo: third!.id, readAt: upTo.readAt, unread: 0 },
    ]);
    expect(first!.readAt).toBeNull();
    close();
  });

  it('serves a snapshot tagged with the stream position it is current at', async () => {
    const { desk, phone, events, close } = await twoDevices();
    const admin = readAdminToken(server.dataDir);
    const email = (await desk.me()).account.email;
    await desk.adminDeposit(admin, { email, asset: 'USDT', amount: '100' });
    await desk.placeOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '40000',
    });
    await desk.request('PUT', '/v1/watchlists/Main', { symbols: ['ETHBTC'] });
    const snap = await snapshot(phone);
    await caughtUp(events, phone);
    expect(snap.seq).toBe(events.at(-1)!.seq);
    expect(snap.device.sessionId).toBe((await phone.me()).session.id);
    expect(snap.sessions.map((s) => s.platform).sort()).toEqual(['desktop', 'ios']);
    expect(snap.balances.find((b) => b.asset === 'USDT')).toMatchObject({
      free: '60.00000000',
      locked: '40.00000000',
    });
    expect(snap.openOrders).toHaveLength(1);
    expect(snap.orders).toHaveLength(1);
    expect(snap.watchlists.map((w) => w.name)).toEqual(['Main']);
    expect(snap.notifications.map((n) => n.kind)).toEqual(['deposit_credited', 'security_alert']);
    expect(snap.unreadNotifications).toBe(2);
    expect(snap.kyc.status).toBe('none');
    close();
  });
});
