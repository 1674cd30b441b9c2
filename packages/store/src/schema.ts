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
  engine_journal: EngineJournalTable;
  engine_snapshots: EngineSnapshotsTable;
  balances: BalancesTable;
  orders: OrdersTable;
  trades: TradesTable;
  deposit_addresses: DepositAddressesTable;
  deposits: DepositsTable;
  withdrawals: WithdrawalsTable;
  candles: CandlesTable;
  account_security: AccountSecurityTable;
  recovery_codes: RecoveryCodesTable;
  security_log: SecurityLogTable;
  session_step_ups: SessionStepUpsTable;
  known_devices: KnownDevicesTable;
  auth_challenges: AuthChallengesTable;
  api_keys: ApiKeysTable;
  account_kyc: AccountKycTable;
  account_preferences: AccountPreferencesTable;
  device_preferences: DevicePreferencesTable;
  watchlists: WatchlistsTable;
  price_alerts: PriceAlertsTable;
  notifications: NotificationsTable;
}

export interface AccountKycTable {
  account_id: number;
  status: string;
  level: number;
  updated_at: number;
}

export interface AccountPreferencesTable {
  account_id: number;
  cloud_sync: number;
  notification_categories: string;
  updated_at: number;
}

export interface DevicePreferencesTable {
  account_id: number;
  device_id: string;
  notifications_enabled: number;
  updated_at: number;
}

export interface WatchlistsTable {
  account_id: number;
  name: string;
  symbols: string;
  created_at: number;
  updated_at: number;
}

export interface PriceAlertsTable {
  id: string;
  account_id: number;
  symbol: string;
  condition: string;
  price: number;
  note: string;
  status: string;
  created_at: number;
  triggered_at: number | null;
  trigger_price: number | null;
}

export interface NotificationsTable {
  account_id: number;
  id: number;
  kind: string;
  title: string;
  body: string;
  ref: string;
  created_at: number;
  read_at: number | null;
}

export interface AccountSecurityTable {
  account_id: number;
  anti_phishing_code: string | null;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_pending_at: number | null;
  totp_enabled_at: number | null;
  totp_last_step: number;
  withdrawal_hold_until: number;
  withdrawal_hold_reason: string | null;
  new_device_hold: number;
  login_locked_at: number | null;
  login_lock_reason: string | null;
  updated_at: number;
}

export interface RecoveryCodesTable {
  account_id: number;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface SecurityLogTable {
  id: Generated<number>;
  account_id: number;
  kind: string;
  detail: string;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
}

export interface SessionStepUpsTable {
  session_id: string;
  at: number;
}

export interface AuthChallengesTable {
  id: string;
  kind: string;
  account_id: number | null;
  secret_hash: string | null;
  wait_hash: string | null;
  status: string;
  data: string;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}

export interface KnownDevicesTable {
  account_id: number;
  device_id: string;
  first_seen_at: number;
}

/** One accepted engine command; `seq` is assigned by the host, strictly increasing. */
export interface EngineJournalTable {
  seq: number;
  batch: number;
  command: string;
  created_at: number;
}

export interface EngineSnapshotsTable {
  journal_seq: number;
  state: string;
  created_at: number;
}

export interface BalancesTable {
  account_id: number;
  asset: string;
  free: number;
  locked: number;
  updated_at: number;
}

export interface OrdersTable {
  id: number;
  account_id: number;
  symbol: string;
  client_order_id: string | null;
  side: string;
  type: string;
  time_in_force: string | null;
  price: number | null;
  stop_price: number | null;
  quantity: number | null;
  quote_order_qty: number | null;
  executed_qty: number;
  cumulative_quote: number;
  status: string;
  stp_mode: string;
  created_at: number;
  updated_at: number;
}

export interface TradesTable {
  symbol: string;
  id: number;
  price: number;
  quantity: number;
  quote_qty: number;
  buyer_order_id: number;
  seller_order_id: number;
  buyer_account_id: number;
  seller_account_id: number;
  maker_side: string;
  buyer_fee: number;
  seller_fee: number;
  buyer_fee_asset: string;
  seller_fee_asset: string;
  created_at: number;
}

export interface DepositAddressesTable {
  account_id: number;
  asset: string;
  address: string;
}

export interface DepositsTable {
  id: Generated<number>;
  account_id: number;
  asset: string;
  amount: number;
  tx_id: string;
  address: string;
  confirmations: number;
  status: string;
  created_at: number;
  credited_at: number | null;
}

export interface WithdrawalsTable {
  id: Generated<number>;
  account_id: number;
  asset: string;
  amount: number;
  fee: number;
  address: string;
  status: string;
  engine_ref: string | null;
  created_at: number;
  updated_at: number;
}

export interface CandlesTable {
  symbol: string;
  interval: string;
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number;
  trade_count: number;
}

/** API keys (A13); `permissions` and `ip_whitelist` are JSON arrays of strings. */
export interface ApiKeysTable {
  id: string;
  account_id: number;
  label: string;
  key_hash: string;
  key_prefix: string;
  type: string;
  sealed_secret: string | null;
  public_key: string | null;
  permissions: string;
  ip_whitelist: string;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
}
