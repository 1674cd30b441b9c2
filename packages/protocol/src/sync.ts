import { Type, type Static } from '@sinclair/typebox';
import { AccountView, SessionView } from './schemas.ts';
import { BalanceView, MyTradeView, OrderView } from './trading.ts';
import { DepositView, WithdrawalView } from './wallet.ts';
import { SecurityAlertView, SecurityView } from './security.ts';
import { ApiKeyView } from './api-keys.ts';

/**
 * The data categories of issue 5 (B1, B4): KYC status, preferences (the cloud-sync switch and
 * notification preferences), watchlists, price alerts and the notification centre, and the account
 * snapshot a device loads before it follows the stream.
 */

const Decimal = Type.String({
  pattern: '^[0-9]+(\\.[0-9]+)?$',
  maxLength: 40,
  description: 'A decimal number.',
});
const Symbol_ = Type.String({ pattern: '^[A-Z0-9]{2,20}$', description: 'Market symbol, e.g. BTCUSDT.' });

// ---------------------------------------------------------------------------------------------- KYC

export const kycStatuses = ['none', 'pending', 'verified', 'rejected'] as const;
export type KycStatus = (typeof kycStatuses)[number];

export const KycView = Type.Object(
  {
    status: Type.Unsafe<KycStatus>(Type.String({ enum: [...kycStatuses] })),
    /** 0 until verified; operators may grant higher levels. */
    level: Type.Integer({ minimum: 0, maximum: 3 }),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Kyc' },
);
export type KycView = Static<typeof KycView>;

export const AdminKycBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    status: Type.Unsafe<KycStatus>(Type.String({ enum: [...kycStatuses] })),
    level: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  },
  { additionalProperties: false },
);
export type AdminKycBody = Static<typeof AdminKycBody>;

// ------------------------------------------------------------------------------------ preferences

/** Notification categories (B4); `security` cannot be turned off for the account. */
export const notificationCategories = [
  'orders',
  'deposits',
  'withdrawals',
  'priceAlerts',
  'security',
] as const;
export type NotificationCategory = (typeof notificationCategories)[number];

const Categories = Type.Object(
  {
    orders: Type.Boolean(),
    deposits: Type.Boolean(),
    withdrawals: Type.Boolean(),
    priceAlerts: Type.Boolean(),
    security: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const PreferencesView = Type.Object(
  {
    /** Watchlists are synced across devices while this is on, device-local while it is off. */
    cloudSync: Type.Boolean(),
    notifications: Type.Object({
      /** Account-level: which kinds of notification any device may show. */
      categories: Categories,
      /**
       * Per device: whether that device shows notifications at all. Devices are named by their
       * fingerprint (the snapshot tells a device its own); a device missing here has them on.
       */
      devices: Type.Array(Type.Object({ device: Type.String(), enabled: Type.Boolean() })),
    }),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Preferences' },
);
export type PreferencesView = Static<typeof PreferencesView>;

export const UpdatePreferencesBody = Type.Object(
  {
    cloudSync: Type.Optional(Type.Boolean()),
    notificationCategories: Type.Optional(Type.Partial(Categories, { additionalProperties: false })),
    /** This device's own switch (the device making the request). */
    deviceNotifications: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePreferencesBody = Static<typeof UpdatePreferencesBody>;

// ------------------------------------------------------------------------------------- watchlists

export const watchlistsPerAccountMax = 20;
export const watchlistSymbolsMax = 200;

const WatchlistName = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[^\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069/]+$',
  description: 'A name (1–40 characters; no control characters or slashes).',
});

export const WatchlistView = Type.Object(
  {
    name: Type.String(),
    symbols: Type.Array(Type.String()),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Watchlist' },
);
export type WatchlistView = Static<typeof WatchlistView>;

export const WatchlistParams = Type.Object({ name: WatchlistName });
export const PutWatchlistBody = Type.Object(
  { symbols: Type.Array(Symbol_, { maxItems: watchlistSymbolsMax, uniqueItems: true }) },
  { additionalProperties: false },
);
export type PutWatchlistBody = Static<typeof PutWatchlistBody>;

// ----------------------------------------------------------------------------------- price alerts

export const priceAlertsPerAccountMax = 100;
export const priceAlertConditions = ['ABOVE', 'BELOW'] as const;
export type PriceAlertCondition = (typeof priceAlertConditions)[number];

export const PriceAlertView = Type.Object(
  {
    id: Type.String(),
    symbol: Type.String(),
    /** ABOVE triggers when a trade prints at or above `price`; BELOW at or below. */
    condition: Type.Unsafe<PriceAlertCondition>(Type.String({ enum: [...priceAlertConditions] })),
    price: Type.String(),
    note: Type.String(),
    status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('TRIGGERED')]),
    createdAt: Type.String({ format: 'date-time' }),
    triggeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    /** The trade price that triggered it. */
    triggerPrice: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'PriceAlert' },
);
export type PriceAlertView = Static<typeof PriceAlertView>;

export const CreatePriceAlertBody = Type.Object(
  {
    symbol: Symbol_,
    condition: Type.Unsafe<PriceAlertCondition>(Type.String({ enum: [...priceAlertConditions] })),
    price: Decimal,
    note: Type.Optional(
      Type.String({ maxLength: 120, pattern: '^[^\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]*$' }),
    ),
  },
  { additionalProperties: false },
);
export type CreatePriceAlertBody = Static<typeof CreatePriceAlertBody>;
export const PriceAlertParams = Type.Object({ id: Type.String({ pattern: '^pa_[A-Za-z0-9_-]{1,40}$' }) });

// ---------------------------------------------------------------------------------- notifications

export const notificationKinds = [
  'order_filled',
  'order_partially_filled',
  'deposit_credited',
  'withdrawal_completed',
  'withdrawal_failed',
  'price_alert',
  'security_alert',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** The category each kind belongs to, for the preferences. */
export const notificationCategoryOf: Record<NotificationKind, NotificationCategory> = {
  order_filled: 'orders',
  order_partially_filled: 'orders',
  deposit_credited: 'deposits',
  withdrawal_completed: 'withdrawals',
  withdrawal_failed: 'withdrawals',
  price_alert: 'priceAlerts',
  security_alert: 'security',
};

export const NotificationView = Type.Object(
  {
    /** The `seq` of the `notification.created` event: increasing per account. */
    id: Type.Integer(),
    kind: Type.Unsafe<NotificationKind>(Type.String({ enum: [...notificationKinds] })),
    category: Type.Unsafe<NotificationCategory>(Type.String({ enum: [...notificationCategories] })),
    title: Type.String(),
    body: Type.String(),
    /** What it is about: `{orderId, symbol}`, `{txId}`, `{withdrawalId}`, `{priceAlertId}`, `{alertId}`. */
    ref: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
    createdAt: Type.String({ format: 'date-time' }),
    readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Notification' },
);
export type NotificationView = Static<typeof NotificationView>;

export const NotificationPage = Type.Object({
  notifications: Type.Array(NotificationView),
  unread: Type.Integer({ minimum: 0 }),
  nextBefore: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as `before` for the next page; null at the end.',
  }),
});
export type NotificationPage = Static<typeof NotificationPage>;

export const NotificationQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    unreadOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type NotificationQuery = Static<typeof NotificationQuery>;

export const MarkReadBody = Type.Object(
  {
    /** These notifications… */
    ids: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
        minItems: 1,
        maxItems: 200,
        uniqueItems: true,
      }),
    ),
    /** …or every notification up to and including this id. */
    upTo: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export type MarkReadBody = Static<typeof MarkReadBody>;

export const MarkReadResult = Type.Object({
  read: Type.Array(Type.Integer()),
  upTo: Type.Union([Type.Integer(), Type.Null()]),
  readAt: Type.String({ format: 'date-time' }),
  unread: Type.Integer({ minimum: 0 }),
});
export type MarkReadResult = Static<typeof MarkReadResult>;

// --------------------------------------------------------------------------------------- snapshot

/** How much history a snapshot carries; older entries are paged through the history routes. */
export const snapshotHistoryLimit = 100;
export const snapshotNotificationLimit = 50;

/**
 * Everything a device shows, read in one consistent view of the store and tagged with the stream
 * position it is current at: apply events with `seq > snapshot.seq` on top of it.
 */
export const AccountSnapshot = Type.Object(
  {
    epoch: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
    account: AccountView,
    /** The requesting device: its session and the fingerprint other devices know it by. */
    device: Type.Object({ sessionId: Type.String(), fingerprint: Type.String() }),
    kyc: KycView,
    security: SecurityView,
    preferences: PreferencesView,
    balances: Type.Array(BalanceView),
    openOrders: Type.Array(OrderView),
    /** The newest orders (any status), newest first. */
    orders: Type.Array(OrderView),
    /** The newest fills, newest first. */
    trades: Type.Array(MyTradeView),
    deposits: Type.Array(DepositView),
    withdrawals: Type.Array(WithdrawalView),
    /** Live sessions (devices). */
    sessions: Type.Array(SessionView),
    apiKeys: Type.Array(ApiKeyView),
    /** Security alerts still waiting for an answer. */
    alerts: Type.Array(SecurityAlertView),
    watchlists: Type.Array(WatchlistView),
    priceAlerts: Type.Array(PriceAlertView),
    /** The newest notifications, newest first, and the count of unread ones. */
    notifications: Type.Array(NotificationView),
    unreadNotifications: Type.Integer({ minimum: 0 }),
  },
  { title: 'AccountSnapshot' },
);
export type AccountSnapshot = Static<typeof AccountSnapshot>;
