import type { RevokeReason, SessionView } from './schemas.ts';
import type { BalanceView, MyTradeView, OrderView } from './trading.ts';
import type { DepositView, WithdrawalView } from './wallet.ts';
import type { SecurityAlertView, SecurityView } from './security.ts';
import type { ApiKeyView } from './api-keys.ts';
import type { KycView, NotificationView, PreferencesView, PriceAlertView, WatchlistView } from './sync.ts';

/**
 * The account event stream. Every change to an account is appended with the next `seq` of that
 * account in the same database transaction as the change; `epoch` changes only if the stream's
 * history is ever reset. Events carry the absolute state of what they touch, so applying one twice
 * is harmless.
 */
export interface AccountEventBase<T extends string, D> {
  seq: number;
  type: T;
  at: string;
  data: D;
}

/** A device signed in: the new session's full state. */
export type SessionCreatedEvent = AccountEventBase<
  'session.created',
  { session: Omit<SessionView, 'current'> }
>;
/** A device was signed out: the session's final state, with the reason. */
export type SessionRevokedEvent = AccountEventBase<
  'session.revoked',
  { session: Omit<SessionView, 'current'> }
>;

/** A balance after a change: absolute free and locked amounts. */
export type BalanceUpdatedEvent = AccountEventBase<'balance.updated', { balance: BalanceView }>;
/** An order after a change: its full state. */
export type OrderUpdatedEvent = AccountEventBase<'order.updated', { order: OrderView }>;
/** A fill of one of the account's orders. */
export type TradeExecutedEvent = AccountEventBase<'trade.executed', { trade: MyTradeView }>;

/** A deposit after a change (seen, more confirmations, credited): its full state. */
export type DepositUpdatedEvent = AccountEventBase<'deposit.updated', { deposit: DepositView }>;
/** A withdrawal after a change of status: its full state. */
export type WithdrawalUpdatedEvent = AccountEventBase<'withdrawal.updated', { withdrawal: WithdrawalView }>;

/** The account's security settings after a change (2FA, anti-phishing code, holds, policy). */
export type SecurityUpdatedEvent = AccountEventBase<'security.updated', { security: SecurityView }>;

/** An API key was created or edited: its full state (never the key or its secret). */
export type ApiKeyUpdatedEvent = AccountEventBase<'api_key.updated', { apiKey: ApiKeyView }>;
/** An API key was deleted: its final state. Requests signed with it are refused from now on. */
export type ApiKeyDeletedEvent = AccountEventBase<'api_key.deleted', { apiKey: ApiKeyView }>;

/** A security alert raised or answered: a new device logged in; "It was me" / "Not me". */
export type SecurityAlertEvent = AccountEventBase<'security.alert', { alert: SecurityAlertView }>;

/** The account's KYC status, set by an operator (`lockstep admin kyc`). */
export type KycUpdatedEvent = AccountEventBase<'kyc.updated', { kyc: KycView }>;
/** The cloud-sync switch or notification preferences changed: their full state. */
export type PreferencesUpdatedEvent = AccountEventBase<
  'preferences.updated',
  { preferences: PreferencesView }
>;
/** A watchlist was created or changed (only while cloud sync is on): its full state. */
export type WatchlistUpdatedEvent = AccountEventBase<'watchlist.updated', { watchlist: WatchlistView }>;
/** A watchlist was deleted. */
export type WatchlistDeletedEvent = AccountEventBase<'watchlist.deleted', { name: string }>;
/** A price alert was created or triggered: its full state. */
export type PriceAlertUpdatedEvent = AccountEventBase<'price_alert.updated', { priceAlert: PriceAlertView }>;
/** A price alert was deleted: its final state. */
export type PriceAlertDeletedEvent = AccountEventBase<'price_alert.deleted', { priceAlert: PriceAlertView }>;
/** A notification for the notification centre; its id is this event's `seq`. */
export type NotificationCreatedEvent = AccountEventBase<
  'notification.created',
  { notification: NotificationView }
>;
/**
 * Notifications were marked read, on any device: the listed ids, or every id up to `upTo`; `unread`
 * is the account's count after the change. Marking twice changes nothing.
 */
export type NotificationReadEvent = AccountEventBase<
  'notification.read',
  { ids: number[]; upTo: number | null; readAt: string; unread: number }
>;

/** Every kind of event on the account stream. */
export type AccountEvent =
  | SessionCreatedEvent
  | SessionRevokedEvent
  | BalanceUpdatedEvent
  | OrderUpdatedEvent
  | TradeExecutedEvent
  | DepositUpdatedEvent
  | WithdrawalUpdatedEvent
  | SecurityUpdatedEvent
  | SecurityAlertEvent
  | ApiKeyUpdatedEvent
  | ApiKeyDeletedEvent
  | KycUpdatedEvent
  | PreferencesUpdatedEvent
  | WatchlistUpdatedEvent
  | WatchlistDeletedEvent
  | PriceAlertUpdatedEvent
  | PriceAlertDeletedEvent
  | NotificationCreatedEvent
  | NotificationReadEvent;
export type AccountEventType = AccountEvent['type'];

/** A depth diff of one engine update: absolute quantities per changed level, "0" removes the level. */
export interface DepthDiffMessage {
  type: 'depth';
  symbol: string;
  /** First and last update id in this message (Binance's U and u); diffs of one symbol chain u + 1 = next U. */
  U: number;
  u: number;
  bids: Array<[price: string, quantity: string]>;
  asks: Array<[price: string, quantity: string]>;
}

/** One public trade. */
export interface TradeMessage {
  type: 'trade';
  symbol: string;
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
}

/** Messages the server sends on `/v1/ws`. */
export type ServerMessage =
  | DepthDiffMessage
  | TradeMessage
  | { type: 'market.subscribed'; symbols: string[] }
  | {
      type: 'hello';
      accountId: number;
      sessionId: string;
      epoch: string;
      seq: number;
      /** How often heartbeats come; a device that hears nothing for a few of these reconnects. */
      heartbeatMs: number;
    }
  | { type: 'event'; epoch: string; event: AccountEvent }
  | { type: 'replayed'; epoch: string; seq: number }
  | { type: 'reset'; epoch: string; seq: number; reason: string }
  | { type: 'heartbeat'; epoch: string; seq: number }
  | { type: 'revoked'; reason: RevokeReason | 'expired'; message: string }
  | { type: 'error'; code: string; message: string };

/** Messages a device sends on `/v1/ws`. */
export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; epoch?: string; since: number }
  | { type: 'market.subscribe'; symbols: string[] }
  | { type: 'ping' };

/** WebSocket close codes the server uses (4000-4999 is the application range). */
export const wsCloseCodes = {
  revoked: 4001,
  unauthenticated: 4401,
  badMessage: 4400,
  shuttingDown: 1001,
  serverError: 1011,
} as const;

/** A sentence for each reason a device was signed out, shown by clients as it is. */
export function describeRevokeReason(reason: RevokeReason | 'expired'): string {
  switch (reason) {
    case 'logout':
      return 'This device was logged out.';
    case 'revoked_by_other_device':
      return 'This device was signed out from another device of the account.';
    case 'logout_others':
      return 'This device was signed out when another device logged out all other devices.';
    case 'logout_all':
      return 'This device was signed out when every device of the account was logged out.';
    case 'slot_evicted':
      return 'This device was signed out because a newer login on the same platform took its slot.';
    case 'password_changed':
      return "This device was signed out because the account's password was changed.";
    case 'two_factor_changed':
      return "This device was signed out because the account's two-factor authentication was changed.";
    case 'not_me':
      return 'Every device was signed out because a login was reported as "Not me"; reset the password from the emailed link.';
    case 'expired':
      return "This device's session expired; log in again.";
  }
}
