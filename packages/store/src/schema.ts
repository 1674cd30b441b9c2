import type { Generated } from 'kysely';

/** Row types of every table, for Kysely. Times are integer milliseconds since the Unix epoch. */
export interface AccountsTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  created_at: number;
  stream_epoch: string;
  stream_seq: number;
}

export interface SessionsTable {
  id: string;
  account_id: number;
  token_hash: string;
  csrf_hash: string | null;
  device_id: string;
  device_name: string;
  platform: string;
  ip: string;
  user_agent: string;
  created_at: number;
  last_active_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface AccountEventsTable {
  account_id: number;
  seq: number;
  type: string;
  data: string;
  created_at: number;
}

export interface LoginHistoryTable {
  id: Generated<number>;
  account_id: number;
  success: number;
  failure_reason: string | null;
  session_id: string | null;
  platform: string | null;
  device_name: string;
  ip: string;
  user_agent: string;
  created_at: number;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

export interface Database {
  accounts: AccountsTable;
  sessions: SessionsTable;
  account_events: AccountEventsTable;
  login_history: LoginHistoryTable;
  login_throttle: LoginThrottleTable;
}
