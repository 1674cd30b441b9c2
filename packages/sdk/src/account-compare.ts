import type { AccountSnapshot, ApiKeyView, SessionView } from '@lockstep/protocol';

/**
 * The windows a snapshot carries (protocol's `snapshotHistoryLimit` and `snapshotNotificationLimit`;
 * a unit test keeps them in step): histories are compared on these newest entries only.
 */
export const compareHistoryWindow = 100;
export const compareNotificationWindow = 50;

/**
 * An account reduced to what every copy of it must agree on: what a device holds after applying
 * events and what a fresh snapshot says, once both are at the same `seq`. Left out: the device
 * (each copy's own), `current` on sessions (relative to the reader; a reader's own session shows
 * its device id where others see a fingerprint, so the fingerprint is used), and times the server touches
 * without an event (`lastActiveAt`, `expiresAt` of sessions, `lastUsedAt` of API keys). Lists are
 * in one fixed order, and histories cut to the window a snapshot carries.
 */
export interface ComparableAccount {
  epoch: string;
  seq: number;
  account: AccountSnapshot['account'];
  kyc: AccountSnapshot['kyc'];
  security: AccountSnapshot['security'];
  preferences: AccountSnapshot['preferences'];
  balances: AccountSnapshot['balances'];
  openOrders: AccountSnapshot['openOrders'];
  orders: AccountSnapshot['orders'];
  trades: AccountSnapshot['trades'];
  deposits: AccountSnapshot['deposits'];
  withdrawals: AccountSnapshot['withdrawals'];
  sessions: Array<Omit<SessionView, 'current' | 'lastActiveAt' | 'expiresAt'>>;
  apiKeys: Array<Omit<ApiKeyView, 'lastUsedAt'>>;
  alerts: AccountSnapshot['alerts'];
  watchlists: AccountSnapshot['watchlists'];
  priceAlerts: AccountSnapshot['priceAlerts'];
  notifications: AccountSnapshot['notifications'];
  unreadNotifications: number;
}

/**
 * Maps a device's state (an `AccountState` has the snapshot's shape) or a snapshot to the same
 * comparable shape, so a test or a debugging session can check that a device converged.
 *
 * @example
 * expect(normalizeForCompare(live.state!)).toEqual(normalizeForCompare(await client.snapshot()));
 */
export function normalizeForCompare(source: AccountSnapshot): ComparableAccount {
  const byNumber = <T>(key: (item: T) => number, descending = false) => {
    return (a: T, b: T) => (descending ? key(b) - key(a) : key(a) - key(b));
  };
  const byText = <T>(key: (item: T) => string) => {
    return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  };
  const newest = <T>(list: readonly T[], order: (a: T, b: T) => number, window: number) =>
    [...list].sort(order).slice(0, window);
  const preferences = source.preferences;
  return {
    epoch: source.epoch,
    seq: source.seq,
    account: source.account,
    kyc: source.kyc,
    security: source.security,
    preferences: {
      ...preferences,
      notifications: {
        ...preferences.notifications,
        devices: [...preferences.notifications.devices].sort(byText((d) => d.device)),
      },
    },
    // An asset at zero may or may not have a row; both mean the same to the owner.
    balances: source.balances
      .filter((b) => !isZero(b.free) || !isZero(b.locked))
      .sort(byText((b) => b.asset)),
    openOrders: [...source.openOrders].sort(byNumber((o) => o.orderId)),
    orders: newest(
      source.orders,
      byNumber((o) => o.orderId, true),
      compareHistoryWindow,
    ),
    trades: newest(
      source.trades,
      (a, b) => b.tradeId - a.tradeId || b.orderId - a.orderId,
      compareHistoryWindow,
    ),
    deposits: newest(
      source.deposits,
      byNumber((d) => d.id, true),
      compareHistoryWindow,
    ),
    withdrawals: newest(
      source.withdrawals,
      byNumber((w) => w.id, true),
      compareHistoryWindow,
    ),
    // A device sees its own session's device id and only the fingerprint of the others'.
    sessions: source.sessions
      .map(({ current: _c, lastActiveAt: _a, expiresAt: _e, ...rest }) =>
        rest.id === source.device.sessionId ? { ...rest, deviceId: source.device.fingerprint } : rest,
      )
      .sort(byText((s) => s.id)),
    apiKeys: source.apiKeys.map(({ lastUsedAt: _u, ...rest }) => rest).sort(byText((k) => k.id)),
    alerts: [...source.alerts].sort(byText((a) => a.id)),
    watchlists: [...source.watchlists].sort(byText((w) => w.name)),
    priceAlerts: [...source.priceAlerts].sort(byText((p) => p.id)),
    notifications: newest(
      source.notifications,
      byNumber((n) => n.id, true),
      compareNotificationWindow,
    ),
    unreadNotifications: source.unreadNotifications,
  };
}

function isZero(amount: string): boolean {
  return /^0*(\.0*)?$/.test(amount);
}
