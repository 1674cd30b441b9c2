import { describe, expect, it } from 'vitest';
import {
  snapshotHistoryLimit,
  snapshotNotificationLimit,
  type AccountEvent,
  type SessionView,
} from '@lockstep/protocol';
import {
  eventFixture,
  notificationFixture,
  orderFixture,
  preferencesFixture,
  sessionFixture,
  snapshotFixture,
} from './account-fixtures.ts';
import {
  applyEvent,
  historyMax,
  notificationsMax,
  stateFromSnapshot,
  type AccountState,
} from './account-state.ts';
import { compareHistoryWindow, compareNotificationWindow, normalizeForCompare } from './account-compare.ts';

/** Freezes every object and array inside, so a test fails if applyEvent mutates its input. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A session as events carry it: without `current`, which only a reader can say. */
const asEvent = ({ current: _current, ...session }: SessionView): Omit<SessionView, 'current'> => session;

function applyAll(state: AccountState, events: AccountEvent[]): AccountState {
  return events.reduce((s, e) => applyEvent(deepFreeze(s), e), state);
}

describe('applyEvent', () => {
  const start = () => stateFromSnapshot(snapshotFixture());

  it('keeps the SDK windows in step with what a snapshot carries', () => {
    expect(compareHistoryWindow).toBe(snapshotHistoryLimit);
    expect(compareNotificationWindow).toBe(snapshotNotificationLimit);
    expect(historyMax).toBeGreaterThanOrEqual(snapshotHistoryLimit);
    expect(notificationsMax).toBeGreaterThanOrEqual(snapshotNotificationLimit);
  });

  it('ignores an event at or below the state seq, so applying one twice is harmless', () => {
    const state = start();
    const balance = { asset: 'BTC', free: '1.00000000', locked: '0.00000000' };
    const once = applyEvent(state, eventFixture(11, 'balance.updated', { balance }));
    expect(once.seq).toBe(11);
    expect(applyEvent(once, eventFixture(11, 'balance.updated', { balance }))).toBe(once);
    expect(
      applyEvent(
        once,
        eventFixture(3, 'kyc.updated', { kyc: { status: 'verified', level: 1, updatedAt: null } }),
      ),
    ).toBe(once);
  });

  it('keeps balances by asset in asset order, replacing with the absolute amounts', () => {
    const state = applyAll(start(), [
      eventFixture(11, 'balance.updated', { balance: { asset: 'BTC', free: '1', locked: '0' } }),
      eventFixture(12, 'balance.updated', { balance: { asset: 'USDT', free: '10', locked: '5' } }),
      eventFixture(13, 'balance.updated', { balance: { asset: 'ETH', free: '2', locked: '0' } }),
    ]);
    expect(state.balances).toEqual([
      { asset: 'BTC', free: '1', locked: '0' },
      { asset: 'ETH', free: '2', locked: '0' },
      { asset: 'USDT', free: '10', locked: '5' },
    ]);
  });

  it('moves an order out of the open orders when it closes and keeps the history newest first', () => {
    const state = applyAll(start(), [
      eventFixture(11, 'order.updated', { order: orderFixture(5) }),
      eventFixture(12, 'order.updated', { order: orderFixture(6) }),
      eventFixture(13, 'order.updated', {
        order: orderFixture(5, { status: 'PARTIALLY_FILLED', executedQty: '0.5' }),
      }),
      eventFixture(14, 'order.updated', { order: orderFixture(6, { status: 'CANCELED' }) }),
    ]);
    expect(state.openOrders.map((o) => [o.orderId, o.status])).toEqual([[5, 'PARTIALLY_FILLED']]);
    expect(state.orders.map((o) => [o.orderId, o.status])).toEqual([
      [6, 'CANCELED'],
      [5, 'PARTIALLY_FILLED'],
    ]);
    const filled = applyEvent(
      state,
      eventFixture(15, 'order.updated', { order: orderFixture(5, { status: 'FILLED' }) }),
    );
    expect(filled.openOrders).toEqual([]);
  });

  it('bounds the histories, dropping the oldest', () => {
    const events = Array.from({ length: historyMax + 5 }, (_, i) =>
      eventFixture(11 + i, 'order.updated', { order: orderFixture(i + 1, { status: 'FILLED' }) }),
    );
    const state = applyAll(start(), events);
    expect(state.orders).toHaveLength(historyMax);
    expect(state.orders[0]!.orderId).toBe(historyMax + 5);
    expect(state.orders.at(-1)!.orderId).toBe(6);
  });

  it('keeps both fills of a self-trade, newest trade first', () => {
    const fill = (tradeId: number, orderId: number) => ({
      tradeId,
      symbol: 'BTCUSDT',
      orderId,
      side: 'BUY' as const,
      price: '1',
      qty: '1',
      quoteQty: '1',
      commission: '0',
      commissionAsset: 'BTC',
      isMaker: false,
      time: '2026-01-01T00:00:00.000Z',
    });
    const state = applyAll(start(), [
      eventFixture(11, 'trade.executed', { trade: fill(1, 1) }),
      eventFixture(12, 'trade.executed', { trade: fill(2, 3) }),
      eventFixture(13, 'trade.executed', { trade: fill(2, 4) }),
    ]);
    expect(state.trades.map((t) => [t.tradeId, t.orderId])).toEqual([
      [2, 4],
      [2, 3],
      [1, 1],
    ]);
  });

  it('adds and removes sessions, marking this device current', () => {
    const other = asEvent(sessionFixture('s2'));
    const mine = asEvent(sessionFixture('s1', { deviceName: 'renamed' }));
    const state = applyAll(start(), [
      eventFixture(11, 'session.created', { session: other }),
      eventFixture(12, 'session.created', { session: mine }),
    ]);
    expect(state.sessions.map((s) => [s.id, s.current, s.deviceName, s.deviceId])).toEqual([
      ['s1', true, 'renamed', 'dev-1'],
      ['s2', false, 'Device s2', 'fp-2'],
    ]);
    const revoked = applyEvent(
      state,
      eventFixture(13, 'session.revoked', { session: { ...other, revokeReason: 'logout' } }),
    );
    expect(revoked.sessions.map((s) => s.id)).toEqual(['s1']);
  });

  it('keeps pending security alerts and drops answered ones', () => {
    const alert = {
      id: 'al1',
      status: 'pending' as const,
      sessionId: 's2',
      platform: 'ios',
      deviceName: 'phone',
      ip: '1.2.3.4',
      userAgent: 'x',
      at: '2026-01-01T00:00:00.000Z',
    };
    const raised = applyEvent(start(), eventFixture(11, 'security.alert', { alert }));
    expect(raised.alerts).toEqual([alert]);
    const answered = applyEvent(
      raised,
      eventFixture(12, 'security.alert', { alert: { ...alert, status: 'confirmed' } }),
    );
    expect(answered.alerts).toEqual([]);
  });

  it('replaces KYC, security and preferences, and edits API keys, watchlists and price alerts', () => {
    const apiKey = {
      id: 'k1',
      label: 'bot',
      type: 'HMAC_SHA256' as const,
      keyPrefix: 'abc',
      permissions: ['read' as const],
      ipWhitelist: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
    };
    const priceAlert = {
      id: 'pa_1',
      symbol: 'BTCUSDT',
      condition: 'ABOVE' as const,
      price: '60000.00',
      note: '',
      status: 'ACTIVE' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
      triggeredAt: null,
      triggerPrice: null,
    };
    const state = applyAll(start(), [
      eventFixture(11, 'kyc.updated', {
        kyc: { status: 'verified', level: 1, updatedAt: '2026-01-02T00:00:00.000Z' },
      }),
      eventFixture(12, 'preferences.updated', { preferences: preferencesFixture({ cloudSync: false }) }),
      eventFixture(13, 'api_key.updated', { apiKey }),
      eventFixture(14, 'api_key.updated', { apiKey: { ...apiKey, label: 'renamed' } }),
      eventFixture(15, 'watchlist.updated', {
        watchlist: { name: 'a', symbols: ['BTCUSDT'], updatedAt: 'x' },
      }),
      eventFixture(16, 'watchlist.updated', { watchlist: { name: 'b', symbols: [], updatedAt: 'x' } }),
      eventFixture(17, 'watchlist.updated', {
        watchlist: { name: 'a', symbols: ['ETHUSDT'], updatedAt: 'y' },
      }),
      eventFixture(18, 'price_alert.updated', { priceAlert }),
      eventFixture(19, 'price_alert.updated', {
        priceAlert: { ...priceAlert, status: 'TRIGGERED', triggerPrice: '60001.00' },
      }),
    ]);
    expect(state.kyc.status).toBe('verified');
    expect(state.preferences.cloudSync).toBe(false);
    expect(state.apiKeys.map((k) => k.label)).toEqual(['renamed']);
    expect(state.watchlists.map((w) => [w.name, w.symbols])).toEqual([
      ['b', []],
      ['a', ['ETHUSDT']],
    ]);
    expect(state.priceAlerts.map((p) => p.status)).toEqual(['TRIGGERED']);
    const removed = applyAll(state, [
      eventFixture(20, 'api_key.deleted', { apiKey }),
      eventFixture(21, 'watchlist.deleted', { name: 'a' }),
      eventFixture(22, 'price_alert.deleted', { priceAlert }),
    ]);
    expect([removed.apiKeys, removed.watchlists.map((w) => w.name), removed.priceAlerts]).toEqual([
      [],
      ['b'],
      [],
    ]);
  });

  it('numbers a notification by its seq, counts it unread, and marks reads by ids or up to an id', () => {
    const state = applyAll(start(), [
      eventFixture(11, 'notification.created', { notification: notificationFixture(0) }),
      eventFixture(12, 'notification.created', { notification: notificationFixture(0) }),
      eventFixture(13, 'notification.created', { notification: notificationFixture(0) }),
    ]);
    expect(state.notifications.map((n) => n.id)).toEqual([13, 12, 11]);
    expect(state.unreadNotifications).toBe(3);
    const one = applyEvent(
      state,
      eventFixture(14, 'notification.read', { ids: [12], upTo: null, readAt: 'r1', unread: 2 }),
    );
    expect(one.notifications.map((n) => n.readAt)).toEqual([null, 'r1', null]);
    const all = applyEvent(
      one,
      eventFixture(15, 'notification.read', { ids: [], upTo: 13, readAt: 'r2', unread: 0 }),
    );
    expect(all.notifications.map((n) => n.readAt)).toEqual(['r2', 'r1', 'r2']);
    expect(all.unreadNotifications).toBe(0);
  });
});

describe('normalizeForCompare', () => {
  it('maps a device state and the equivalent snapshot to the same shape', () => {
    const other = asEvent(sessionFixture('s2'));
    const device = applyAll(stateFromSnapshot(snapshotFixture()), [
      eventFixture(11, 'session.created', { session: other }),
      eventFixture(12, 'order.updated', { order: orderFixture(1) }),
      eventFixture(13, 'notification.created', { notification: notificationFixture(0) }),
    ]);
    // The same account read by the other device, later: activity times moved, lists in other orders.
    const snapshot = snapshotFixture({
      seq: 13,
      device: { sessionId: 's2', fingerprint: 'fp-2' },
      sessions: [
        sessionFixture('s2', { current: true, deviceId: 'dev-2', lastActiveAt: '2026-01-05T00:00:00.000Z' }),
        sessionFixture('s1', { expiresAt: '2026-03-01T00:00:00.000Z' }),
      ],
      openOrders: [orderFixture(1)],
      orders: [orderFixture(1)],
      notifications: [notificationFixture(13)],
      unreadNotifications: 1,
      balances: [
        { asset: 'USDT', free: '1000.00000000', locked: '0.00000000' },
        { asset: 'BTC', free: '0.00000000', locked: '0.00000000' },
      ],
    });
    expect(normalizeForCompare(device)).toEqual(normalizeForCompare(snapshot));
    expect(normalizeForCompare({ ...device, unreadNotifications: 0 })).not.toEqual(
      normalizeForCompare(snapshot),
    );
  });

  it('compares histories on the window a snapshot carries', () => {
    const orders = Array.from({ length: 150 }, (_, i) => orderFixture(150 - i, { status: 'FILLED' }));
    const long = snapshotFixture({ orders });
    const short = snapshotFixture({ orders: orders.slice(0, compareHistoryWindow) });
    expect(normalizeForCompare(long)).toEqual(normalizeForCompare(short));
  });
});
