import type { RevokeReason, SessionView } from './schemas.ts';
import type { BalanceView, MyTradeView, OrderView } from './trading.ts';

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

/** Every kind of event on the account stream. */
export type AccountEvent =
  SessionCreatedEvent | SessionRevokedEvent | BalanceUpdatedEvent | OrderUpdatedEvent | TradeExecutedEvent;
export type AccountEventType = AccountEvent['type'];

/** Messages the server sends on `/v1/ws`. */
export type ServerMessage =
  | { type: 'hello'; accountId: number; sessionId: string; epoch: string; seq: number }
  | { type: 'event'; epoch: string; event: AccountEvent }
  | { type: 'replayed'; epoch: string; seq: number }
  | { type: 'reset'; epoch: string; seq: number; reason: string }
  | { type: 'heartbeat'; epoch: string; seq: number }
  | { type: 'revoked'; reason: RevokeReason | 'expired'; message: string }
  | { type: 'error'; code: string; message: string };

/** Messages a device sends on `/v1/ws`. */
export type ClientMessage =
  { type: 'auth'; token: string } | { type: 'subscribe'; epoch?: string; since: number } | { type: 'ping' };

/** WebSocket close codes the server uses (4000-4999 is the application range). */
export const wsCloseCodes = {
  revoked: 4001,
  unauthenticated: 4401,
  badMessage: 4400,
  shuttingDown: 1001,
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
    case 'expired':
      return "This device's session expired; log in again.";
  }
}
