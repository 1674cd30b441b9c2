/** What the repositories read and write, in the server's terms. Times are milliseconds since the epoch. */

export interface AccountRecord {
  id: number;
  email: string;
  passwordHash: string;
  createdAt: number;
  streamEpoch: string;
  streamSeq: number;
}

export interface SessionRecord {
  id: string;
  accountId: number;
  tokenHash: string;
  csrfHash: string | null;
  deviceId: string;
  deviceName: string;
  platform: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastActiveAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
}

export interface StoredEvent {
  accountId: number;
  seq: number;
  type: string;
  data: unknown;
  /** `data` as JSON when the writer made it already: what is stored (else `JSON.stringify(data)`). */
  json?: string;
  createdAt: number;
}

export interface LoginHistoryRecord {
  id: number;
  accountId: number;
  success: boolean;
  failureReason: string | null;
  sessionId: string | null;
  platform: string | null;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
}

export interface ThrottleRecord {
  key: string;
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}

/*
 * The trading core. Money and quantities are integers in engine units: balances, fees and quote
 * amounts in the asset's smallest unit, prices in ticks, quantities in lots (see the engine README).
 */

/** One accepted engine command of the journal; `command` is JSON-able data. */
export interface JournalEntry {
  seq: number;
  /** The group-commit batch the command was committed in. */
  batch: number;
  command: unknown;
  createdAt: number;
}

/** The engine's exported state as of (and including) journal entry `journalSeq`. */
export interface EngineSnapshotRecord {
  journalSeq: number;
  state: unknown;
  createdAt: number;
}

/** Absolute free and locked amounts of one (account, asset). */
export interface BalanceRecord {
  accountId: number;
  asset: string;
  free: number;
  locked: number;
  updatedAt: number;
}

/** Order sides. */
export type OrderSideName = 'BUY' | 'SELL';
/** Order statuses (Binance spot); the first two are the open ones. */
export type OrderStatusName =
  'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

/** An order's full state, as its latest engine ORDER event had it. */
export interface OrderRecord {
  /** The engine's order id (global, increasing). */
  id: number;
  accountId: number;
  symbol: string;
  /** Null when none was given. */
  clientOrderId: string | null;
  side: OrderSideName;
  type: string;
  timeInForce: string | null;
  price: number | null;
  stopPrice: number | null;
  quantity: number | null;
  quoteOrderQty: number | null;
  executedQty: number;
  cumulativeQuote: number;
  status: OrderStatusName;
  stpMode: string;
  createdAt: number;
  updatedAt: number;
}

/** A trade; `id` is the engine's trade id, increasing per symbol. */
export interface TradeRecord {
  symbol: string;
  id: number;
  price: number;
  quantity: number;
  quoteQty: number;
  buyerOrderId: number;
  sellerOrderId: number;
  buyerAccountId: number;
  sellerAccountId: number;
  makerSide: OrderSideName;
  buyerFee: number;
  sellerFee: number;
  buyerFeeAsset: string;
  sellerFeeAsset: string;
  createdAt: number;
}

export interface DepositAddressRecord {
  accountId: number;
  asset: string;
  address: string;
}

/** Deposit statuses: seen on the chain, then credited once confirmed. */
export type DepositStatus = 'PENDING' | 'CREDITED';

export interface DepositRecord {
  id: number;
  accountId: number;
  asset: string;
  amount: number;
  txId: string;
  address: string;
  confirmations: number;
  status: DepositStatus;
  createdAt: number;
  creditedAt: number | null;
}

/** Withdrawal statuses (D2): pending → processing → completed or failed; canceled while pending. */
export type WithdrawalStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELED';

export interface WithdrawalRecord {
  id: number;
  accountId: number;
  asset: string;
  amount: number;
  fee: number;
  address: string;
  status: WithdrawalStatus;
  /** The engine's withdrawal id, once the engine has locked the funds. */
  engineRef: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One candlestick; prices in ticks, volume in lots, quote volume in quote units. */
export interface CandleRecord {
  symbol: string;
  interval: string;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  tradeCount: number;
}

/** An account's security settings; an account without a row has the defaults (`emptySecurity`). */
export interface SecurityRecord {
  accountId: number;
  antiPhishingCode: string | null;
  /** Sealed TOTP secret of the active second factor; null when 2FA is off. */
  totpSecret: string | null;
  /** Sealed secret waiting for its confirming code. */
  totpPendingSecret: string | null;
  totpPendingAt: number | null;
  totpEnabledAt: number | null;
  totpLastStep: number;
  withdrawalHoldUntil: number;
  withdrawalHoldReason: string | null;
  /** A10's account policy: a login from a new device holds withdrawals. */
  newDeviceHold: boolean;
  /** Set while login is refused until a password reset ("Not me", A9). */
  loginLockedAt: number | null;
  loginLockReason: string | null;
  updatedAt: number;
}

/** A decision waiting to be made: a security alert, an emailed link, a login waiting on one. */
export interface ChallengeRecord {
  id: string;
  kind: string;
  /** Null only for a QR login code that no phone has scanned yet. */
  accountId: number | null;
  secretHash: string | null;
  waitHash: string | null;
  status: string;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
}

export interface SecurityLogRecord {
  id: number;
  accountId: number;
  kind: string;
  detail: Record<string, unknown>;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
}

/** How an API key's requests are signed. */
export type ApiKeyType = 'HMAC_SHA256' | 'ED25519';

/**
 * An API key (A13). The key itself is kept only as its SHA-256 hash (plus a short prefix to show);
 * an HMAC key's secret is sealed, an Ed25519 key's public key is kept as SPKI PEM.
 */
export interface ApiKeyRecord {
  id: string;
  accountId: number;
  label: string;
  keyHash: string;
  keyPrefix: string;
  type: ApiKeyType;
  /** HMAC_SHA256: the secret sealed with the server's secret key; null for ED25519. */
  sealedSecret: string | null;
  /** ED25519: the client's public key as SPKI PEM; null for HMAC_SHA256. */
  publicKey: string | null;
  permissions: string[];
  ipWhitelist: string[];
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
}

/** An account's KYC status, as an operator set it (B1). */
export interface KycRecord {
  accountId: number;
  status: string;
  level: number;
  updatedAt: number;
}

/** An account's synced preferences: the cloud-sync switch and notification categories. */
export interface PreferencesRecord {
  accountId: number;
  cloudSync: boolean;
  notificationCategories: Record<string, boolean>;
  updatedAt: number;
}

/** One device's notification switch. */
export interface DevicePreferenceRecord {
  accountId: number;
  deviceId: string;
  notificationsEnabled: boolean;
  updatedAt: number;
}

export interface WatchlistRecord {
  accountId: number;
  name: string;
  symbols: string[];
  createdAt: number;
  updatedAt: number;
}

/** A price alert; `price` and `triggerPrice` are the engine's integer prices of the market. */
export interface PriceAlertRecord {
  id: string;
  accountId: number;
  symbol: string;
  condition: string;
  price: number;
  note: string;
  status: string;
  createdAt: number;
  triggeredAt: number | null;
  triggerPrice: number | null;
}

/** A notification of the notification centre; `id` is the `seq` of the event that announced it. */
export interface NotificationRecord {
  accountId: number;
  id: number;
  kind: string;
  title: string;
  body: string;
  ref: Record<string, string | number>;
  createdAt: number;
  readAt: number | null;
}
