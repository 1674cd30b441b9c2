import type {
  AccountEvent,
  AccountSnapshot,
  NotificationView,
  OrderView,
  PreferencesView,
  SessionView,
} from '@lockstep/protocol';

/**
 * Small, valid account data for the SDK's unit tests: a snapshot, and builders of the views events
 * carry. Not part of the public API.
 */

export const fixtureTime = '2026-01-01T00:00:00.000Z';

export function preferencesFixture(overrides: Partial<PreferencesView> = {}): PreferencesView {
  return {
    cloudSync: true,
    notifications: {
      categories: { orders: true, deposits: true, withdrawals: true, priceAlerts: true, security: true },
      devices: [],
    },
    updatedAt: null,
    ...overrides,
  };
}

export function sessionFixture(id: string, overrides: Partial<SessionView> = {}): SessionView {
  return {
    id,
    // As other devices see it: the fingerprint (`fp-1` for session `s1`).
    deviceId: `fp-${id.slice(1)}`,
    deviceName: `Device ${id}`,
    platform: 'desktop',
    ip: '127.0.0.1',
    userAgent: 'tests',
    createdAt: fixtureTime,
    lastActiveAt: fixtureTime,
    expiresAt: '2026-02-01T00:00:00.000Z',
    current: false,
    revokedAt: null,
    revokeReason: null,
    ...overrides,
  };
}

export function orderFixture(orderId: number, overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId,
    clientOrderId: `c${orderId}`,
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    price: '50000.00',
    stopPrice: '0.00',
    origQty: '1.00000',
    origQuoteOrderQty: '0.00000000',
    executedQty: '0.00000',
    cummulativeQuoteQty: '0.00000000',
    status: 'NEW',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    time: fixtureTime,
    updateTime: fixtureTime,
    ...overrides,
  };
}

export function notificationFixture(id: number, overrides: Partial<NotificationView> = {}): NotificationView {
  return {
    id,
    kind: 'order_filled',
    category: 'orders',
    title: 'Order filled',
    body: 'BUY BTCUSDT filled',
    ref: { orderId: 1, symbol: 'BTCUSDT' },
    createdAt: fixtureTime,
    readAt: null,
    ...overrides,
  };
}

/** A snapshot of account 7 seen by session `s1` (fingerprint `fp-1`), at `seq`. */
export function snapshotFixture(overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    epoch: 'epoch-1',
    seq: 10,
    account: { id: 7, email: 'owner@example.test', createdAt: fixtureTime },
    device: { sessionId: 's1', fingerprint: 'fp-1' },
    kyc: { status: 'none', level: 0, updatedAt: null },
    security: {
      twoFactorEnabled: false,
      recoveryCodesLeft: 0,
      antiPhishingCode: null,
      newDeviceWithdrawalHold: true,
      withdrawalHoldUntil: null,
      withdrawalHoldReason: null,
    },
    preferences: preferencesFixture(),
    balances: [{ asset: 'USDT', free: '1000.00000000', locked: '0.00000000' }],
    openOrders: [],
    orders: [],
    trades: [],
    deposits: [],
    withdrawals: [],
    // Its own session, which it sees with its device id.
    sessions: [sessionFixture('s1', { current: true, deviceId: 'dev-1' })],
    apiKeys: [],
    alerts: [],
    watchlists: [],
    priceAlerts: [],
    notifications: [],
    unreadNotifications: 0,
    ...overrides,
  };
}

/** An event of the given type and data at `seq`. */
export function eventFixture<T extends AccountEvent['type']>(
  seq: number,
  type: T,
  data: Extract<AccountEvent, { type: T }>['data'],
): AccountEvent {
  return { seq, type, at: fixtureTime, data } as AccountEvent;
}
