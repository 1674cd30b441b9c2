import type {
  AccountEvent,
  AccountEventType,
  AccountSnapshot,
  MyTradeView,
  NotificationReadEvent,
  NotificationView,
  OrderView,
  SecurityAlertView,
  SessionView,
  WatchlistView,
} from '@lockstep/protocol';

/**
 * The account as a device holds it: the shape of the snapshot it started from, kept current by
 * applying each newer event with `applyEvent`. Treat it as immutable: every change makes a new
 * object (only the parts that changed are copied), so a UI can compare by reference.
 */
export type AccountState = AccountSnapshot;

/** What a change touched, for listeners that redraw one part of the screen. */
export type EventCategory =
  | 'sessions'
  | 'balances'
  | 'orders'
  | 'trades'
  | 'deposits'
  | 'withdrawals'
  | 'security'
  | 'alerts'
  | 'apiKeys'
  | 'kyc'
  | 'preferences'
  | 'watchlists'
  | 'priceAlerts'
  | 'notifications';

const categoryOf: Record<AccountEventType, EventCategory> = {
  'session.created': 'sessions',
  'session.revoked': 'sessions',
  'balance.updated': 'balances',
  'order.updated': 'orders',
  'trade.executed': 'trades',
  'deposit.updated': 'deposits',
  'withdrawal.updated': 'withdrawals',
  'security.updated': 'security',
  'security.alert': 'alerts',
  'api_key.updated': 'apiKeys',
  'api_key.deleted': 'apiKeys',
  'kyc.updated': 'kyc',
  'preferences.updated': 'preferences',
  'watchlist.updated': 'watchlists',
  'watchlist.deleted': 'watchlists',
  'price_alert.updated': 'priceAlerts',
  'price_alert.deleted': 'priceAlerts',
  'notification.created': 'notifications',
  'notification.read': 'notifications',
};

/** The part of the account an event changes. */
export function eventCategory(event: AccountEvent): EventCategory {
  return categoryOf[event.type];
}

/**
 * Bounds of the histories a device keeps: at least what a snapshot carries (100 orders, trades,
 * deposits and withdrawals; 50 notifications), so a device and a fresh snapshot can be compared
 * on the snapshot's window; older entries are paged through the history routes.
 */
export const historyMax = 200;
export const notificationsMax = 100;

const openStatuses: ReadonlySet<OrderView['status']> = new Set(['NEW', 'PARTIALLY_FILLED']);

/** Whether an order still rests on the book (or waits for its stop). */
export function isOpenOrder(order: OrderView): boolean {
  return openStatuses.has(order.status);
}

/** A device's state from a snapshot: a copy, so the snapshot object stays the caller's. */
export function stateFromSnapshot(snapshot: AccountSnapshot): AccountState {
  return structuredClone(snapshot);
}

/**
 * The state after one event: a pure function of its inputs. Events carry the absolute state of
 * what they touch, and an event at or below `state.seq` returns `state` itself, so applying one
 * twice is harmless. The caller checks for gaps (`event.seq > state.seq + 1`) before calling.
 */
export function applyEvent(state: AccountState, event: AccountEvent): AccountState {
  if (event.seq <= state.seq) return state;
  return { ...applyChange(state, event), seq: event.seq };
}

function applyChange(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'session.created':
      return applySession(state, event.data.session);
    case 'session.revoked':
      return { ...state, sessions: without(state.sessions, byId(event.data.session)) };
    case 'balance.updated':
      return { ...state, balances: upsert(state.balances, event.data.balance, byAsset, assetOrder) };
    case 'order.updated':
      return applyOrder(state, event.data.order);
    case 'trade.executed':
      return { ...state, trades: upsert(state.trades, event.data.trade, sameFill, newestFill, historyMax) };
    case 'deposit.updated':
      return { ...state, deposits: upsert(state.deposits, event.data.deposit, byId, newestId, historyMax) };
    case 'withdrawal.updated':
      return {
        ...state,
        withdrawals: upsert(state.withdrawals, event.data.withdrawal, byId, newestId, historyMax),
      };
    case 'security.updated':
      return { ...state, security: event.data.security };
    case 'security.alert':
      return applyAlert(state, event.data.alert);
    case 'api_key.updated':
      return { ...state, apiKeys: upsert(state.apiKeys, event.data.apiKey, byId) };
    case 'api_key.deleted':
      return { ...state, apiKeys: without(state.apiKeys, byId(event.data.apiKey)) };
    case 'kyc.updated':
      return { ...state, kyc: event.data.kyc };
    case 'preferences.updated':
      return { ...state, preferences: event.data.preferences };
    case 'watchlist.updated':
      return applyWatchlist(state, event.data.watchlist);
    case 'watchlist.deleted':
      return { ...state, watchlists: without(state.watchlists, (w) => w.name === event.data.name) };
    case 'price_alert.updated':
      return { ...state, priceAlerts: upsert(state.priceAlerts, event.data.priceAlert, byId) };
    case 'price_alert.deleted':
      return { ...state, priceAlerts: without(state.priceAlerts, byId(event.data.priceAlert)) };
    case 'notification.created':
      // The notification's id is its event's seq, whatever the payload says.
      return applyNotification(state, { ...event.data.notification, id: event.seq });
    case 'notification.read':
      return applyRead(state, event.data);
  }
}

function applySession(state: AccountState, session: Omit<SessionView, 'current'>): AccountState {
  const current = session.id === state.device.sessionId;
  // Events name every device by its fingerprint; a device keeps its own id, as the snapshot shows it.
  const own = current ? state.sessions.find((s) => s.id === session.id) : undefined;
  const view: SessionView = { ...session, deviceId: own?.deviceId ?? session.deviceId, current };
  // Sessions are listed oldest first; a new one goes to the end.
  return { ...state, sessions: upsert(state.sessions, view, byId) };
}

/** A pending alert waits for an answer on every device; an answered one leaves the list. */
function applyAlert(state: AccountState, alert: SecurityAlertView): AccountState {
  const alerts = without(state.alerts, byId(alert));
  return { ...state, alerts: alert.status === 'pending' ? [...alerts, alert] : alerts };
}

function applyWatchlist(state: AccountState, watchlist: WatchlistView): AccountState {
  // The server lists watchlists by last change: a changed one moves to the end.
  const others = without(state.watchlists, (w) => w.name === watchlist.name);
  return { ...state, watchlists: [...others, watchlist] };
}

function applyOrder(state: AccountState, order: OrderView): AccountState {
  const openOrders = isOpenOrder(order)
    ? upsert(state.openOrders, order, sameOrder, oldestOrder)
    : without(state.openOrders, sameOrder(order));
  const orders = upsert(state.orders, order, sameOrder, newestOrder, historyMax);
  return { ...state, openOrders, orders };
}

function applyNotification(state: AccountState, notification: NotificationView): AccountState {
  const known = state.notifications.some(byId(notification));
  const notifications = upsert(state.notifications, notification, byId, newestId, notificationsMax);
  const unread = state.unreadNotifications + (known || notification.readAt !== null ? 0 : 1);
  return { ...state, notifications, unreadNotifications: unread };
}

function applyRead(state: AccountState, read: NotificationReadEvent['data']): AccountState {
  const ids = new Set(read.ids);
  const notifications = state.notifications.map((n) =>
    n.readAt === null && (ids.has(n.id) || (read.upTo !== null && n.id <= read.upTo))
      ? { ...n, readAt: read.readAt }
      : n,
  );
  return { ...state, notifications, unreadNotifications: read.unread };
}

// ---------------------------------------------------------------------------------- list helpers

/** `same(item)` is the test "is this the entry `item` replaces". */
type Same<T> = (item: T) => (entry: T) => boolean;

const byId =
  <K>(item: { id: K }) =>
  (entry: { id: K }): boolean =>
    entry.id === item.id;
const byAsset: Same<{ asset: string }> = (item) => (entry) => entry.asset === item.asset;
const sameOrder: Same<OrderView> = (item) => (entry) => entry.orderId === item.orderId;
/** A self-trade is two fills of one trade, one per order. */
const sameFill: Same<MyTradeView> = (item) => (entry) =>
  entry.tradeId === item.tradeId && entry.orderId === item.orderId;

const newestId = (a: { id: number }, b: { id: number }): number => b.id - a.id;
const assetOrder = (a: { asset: string }, b: { asset: string }): number =>
  a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0;
const oldestOrder = (a: OrderView, b: OrderView): number => a.orderId - b.orderId;
const newestOrder = (a: OrderView, b: OrderView): number => b.orderId - a.orderId;
const newestFill = (a: MyTradeView, b: MyTradeView): number => b.tradeId - a.tradeId || b.orderId - a.orderId;

/** The list without the entries that match. */
function without<T>(list: readonly T[], matches: (entry: T) => boolean): T[] {
  return list.filter((entry) => !matches(entry));
}

/**
 * The list with `item` in place of the entry it replaces; a new item goes where `order` puts it
 * (at the end without one). With `max`, the list keeps only its first `max` entries.
 */
function upsert<T>(
  list: readonly T[],
  item: T,
  same: (item: T) => (entry: T) => boolean,
  order?: (a: T, b: T) => number,
  max = Number.POSITIVE_INFINITY,
): T[] {
  const index = list.findIndex(same(item));
  if (index >= 0) return list.map((entry, i) => (i === index ? item : entry));
  const next = [...list];
  const at = order === undefined ? -1 : next.findIndex((entry) => order(item, entry) < 0);
  next.splice(at < 0 ? next.length : at, 0, item);
  return next.length > max ? next.slice(0, max) : next;
}
