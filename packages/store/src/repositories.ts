import type {
  AccountRecord,
  ApiKeyRecord,
  DevicePreferenceRecord,
  KycRecord,
  NotificationRecord,
  PreferencesRecord,
  PriceAlertRecord,
  WatchlistRecord,
  BalanceRecord,
  CandleRecord,
  DepositAddressRecord,
  DepositRecord,
  EngineSnapshotRecord,
  JournalEntry,
  LoginHistoryRecord,
  SecurityLogRecord,
  ChallengeRecord,
  SecurityRecord,
  OrderRecord,
  OrderStatusName,
  SessionRecord,
  StoredEvent,
  ThrottleRecord,
  TradeRecord,
  WithdrawalRecord,
  WithdrawalStatus,
} from './records.ts';

/** Accounts and the head of each account's event stream. */
export interface AccountRepository {
  create(input: Omit<AccountRecord, 'id' | 'streamSeq'>): Promise<AccountRecord>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  findById(id: number): Promise<AccountRecord | undefined>;
  setPasswordHash(id: number, passwordHash: string): Promise<void>;
  /** Advances the account's stream head by one and returns the new `seq`; call inside a transaction. */
  nextSeq(accountId: number): Promise<{ epoch: string; seq: number }>;
  /**
   * Advances the account's stream head by `count` (one statement for a whole batch of events) and
   * returns the new head; the batch's events take the `count` numbers ending at it.
   */
  advanceSeq(accountId: number, count: number): Promise<{ epoch: string; seq: number }>;
  /**
   * `advanceSeq` for many accounts in one call (a trading batch touches dozens); returns each new
   * head by account id (an account given twice advances by the sum); throws when one does not
   * exist. Call inside a transaction.
   */
  advanceSeqs(
    counts: ReadonlyArray<{ accountId: number; count: number }>,
  ): Promise<Map<number, { epoch: string; seq: number }>>;
  /** The stream head without advancing it. */
  streamHead(accountId: number): Promise<{ epoch: string; seq: number }>;
  /** The heads of many accounts at once (the live hub's heartbeat); unknown ids are left out. */
  streamHeads(
    accountIds: readonly number[],
  ): Promise<Array<{ accountId: number; epoch: string; seq: number }>>;
  /**
   * Locks the account's row until the transaction ends, so changes to one account's sessions run
   * one at a time (a no-op on SQLite, where transactions already run one at a time).
   */
  lock(accountId: number): Promise<void>;
}

/** Per-device sessions. Revoked rows stay so a late request learns why it was refused. */
export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  findById(accountId: number, id: string): Promise<SessionRecord | undefined>;
  /** Sessions not revoked, oldest first; the caller filters out expired ones with its clock. */
  listUnrevoked(accountId: number): Promise<SessionRecord[]>;
  /** Marks the sessions revoked; returns those that were live and are now revoked. */
  revoke(accountId: number, ids: readonly string[], at: number, reason: string): Promise<SessionRecord[]>;
  /**
   * Unrevoked sessions of any account whose lifetime ran out by `now`: past their absolute expiry,
   * or unused since `now - idleMs`. At most `limit`, oldest activity first.
   */
  listExpired(now: number, idleMs: number, limit: number): Promise<SessionRecord[]>;
  touch(id: string, at: number): Promise<void>;
  /** Gives the session a new token (and CSRF token): the old ones stop working at once. */
  rotateToken(id: string, tokenHash: string, csrfHash: string | null): Promise<void>;
}

/** The numbered account event stream. */
export interface EventRepository {
  append(event: StoredEvent): Promise<void>;
  /** Appends many events in as few statements as the drivers allow. */
  appendMany(events: readonly StoredEvent[]): Promise<void>;
  /** Events with `seq > afterSeq`, ascending, at most `limit`. */
  listAfter(accountId: number, afterSeq: number, limit: number): Promise<StoredEvent[]>;
}

export interface LoginHistoryRepository {
  insert(entry: Omit<LoginHistoryRecord, 'id'>): Promise<void>;
  /** Newest first; `before` pages backwards by id. */
  page(accountId: number, before: number | undefined, limit: number): Promise<LoginHistoryRecord[]>;
}

/** Counters of failed logins per key (email or IP), kept in the store so they survive a restart. */
export interface ThrottleRepository {
  get(key: string): Promise<ThrottleRecord | undefined>;
  /**
   * The key's record, created empty when missing, locked until the transaction ends so concurrent
   * attempts on one key are counted one after another.
   */
  getForUpdate(key: string, now: number): Promise<ThrottleRecord>;
  put(record: ThrottleRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The engine's command journal: every accepted command in order, written in the same transaction
 * as its batch's projections. A restart loads the latest snapshot and replays the entries after it.
 */
export interface JournalRepository {
  /** Appends entries (ascending `seq`, above the head) in as few statements as the drivers allow. */
  append(entries: readonly JournalEntry[]): Promise<void>;
  /** Entries with `seq > afterSeq`, ascending, at most `limit`. */
  after(afterSeq: number, limit: number): Promise<JournalEntry[]>;
  /** The last `seq` written, or 0 when the journal is empty. */
  head(): Promise<number>;
}

/** Snapshots of the engine's state, each as of a journal position. */
export interface SnapshotRepository {
  /** Stores a snapshot; one already stored at the same position is replaced (it is the same state). */
  put(snapshot: EngineSnapshotRecord): Promise<void>;
  /** The snapshot at the highest journal position, if any. */
  latest(): Promise<EngineSnapshotRecord | undefined>;
}

/** Balances per (account, asset), projected from the engine's absolute BALANCE events. */
export interface BalanceRepository {
  /** Writes the rows' absolute values, inserting or replacing each. */
  upsertMany(rows: readonly BalanceRecord[]): Promise<void>;
  /** The account's balances, by asset. */
  list(accountId: number): Promise<BalanceRecord[]>;
  get(accountId: number, asset: string): Promise<BalanceRecord | undefined>;
}

/** Filters of an order history page. */
export interface OrderPageQuery {
  symbol?: string;
  status?: OrderStatusName;
  /** Orders with `id >= fromId` (paging forward: the `limit` oldest of them). */
  fromId?: number;
  /** Orders with `id < beforeId` (paging backward). */
  beforeId?: number;
  /** Inclusive bounds on `createdAt`. */
  startTime?: number;
  endTime?: number;
  limit: number;
}

/** Orders in their latest state, projected from the engine's ORDER events. */
export interface OrderRepository {
  /** Writes each order's full state, inserting or replacing it; give rows in event order (last state wins). */
  upsertMany(rows: readonly OrderRecord[]): Promise<void>;
  get(accountId: number, id: number): Promise<OrderRecord | undefined>;
  /**
   * The order on `symbol` with this client order id: the open one, else the most recent closed one
   * among the account's last `clientIdLookback` (10,000) orders on the symbol.
   */
  byClientOrderId(accountId: number, symbol: string, clientOrderId: string): Promise<OrderRecord | undefined>;
  /** Open orders (NEW, PARTIALLY_FILLED), oldest first. */
  open(accountId: number, symbol?: string): Promise<OrderRecord[]>;
  /** When each open order of every account was placed, in no particular order. */
  openPlacements(): Promise<Array<{ id: number; createdAt: number }>>;
  /** A page of the account's orders, newest first. */
  page(accountId: number, query: OrderPageQuery): Promise<OrderRecord[]>;
}

/** Filters of an account's trade page. */
export interface TradePageQuery {
  symbol?: string;
  /** Trades with `id >= fromId` (the `limit` oldest of them); trade ids are per symbol, so it needs `symbol`. */
  fromId?: number;
  /** The fills of this order of the account only; needs `symbol`. */
  orderId?: number;
  /** Inclusive bounds on `createdAt`. */
  startTime?: number;
  endTime?: number;
  limit: number;
}

/** Trades, for account histories and the public feed. */
export interface TradeRepository {
  insertMany(rows: readonly TradeRecord[]): Promise<void>;
  /** The trades the account bought or sold in, newest first. */
  page(accountId: number, query: TradePageQuery): Promise<TradeRecord[]>;
  /** The symbol's last `limit` trades, oldest first (as Binance's recent trades list). */
  recent(symbol: string, limit: number): Promise<TradeRecord[]>;
}

/** One deposit address per (account, asset). */
export interface DepositAddressRepository {
  /** The account's address for the asset, created with `makeAddress()` the first time. */
  getOrCreate(accountId: number, asset: string, makeAddress: () => string): Promise<DepositAddressRecord>;
  /** Whose address this is (the chain watcher credits by address). */
  findByAddress(address: string): Promise<DepositAddressRecord | undefined>;
}

/** Deposits seen on the chain, credited once per transaction id. */
export interface DepositRepository {
  /** Records a new deposit; a repeated `txId` is refused by the unique index. */
  insert(deposit: Omit<DepositRecord, 'id'>): Promise<DepositRecord>;
  findByTxId(txId: string): Promise<DepositRecord | undefined>;
  /**
   * Raises the confirmation count of a pending deposit (one guarded statement: never lowers it,
   * never touches a credited one); returns the updated row, or undefined when nothing changed.
   */
  setConfirmations(id: number, confirmations: number): Promise<DepositRecord | undefined>;
  /** PENDING → CREDITED; returns the credited row, or undefined when it was not pending. */
  markCredited(id: number, at: number): Promise<DepositRecord | undefined>;
  /** Pending deposits, oldest first (what the chain watcher resumes after a restart). */
  pending(limit: number): Promise<DepositRecord[]>;
  /** The account's deposits, newest first. */
  page(
    accountId: number,
    query: { asset?: string; beforeId?: number; limit: number },
  ): Promise<DepositRecord[]>;
}

/** Withdrawal requests and their lifecycle (D2). */
export interface WithdrawalRepository {
  insert(withdrawal: Omit<WithdrawalRecord, 'id'>): Promise<WithdrawalRecord>;
  get(id: number): Promise<WithdrawalRecord | undefined>;
  /**
   * Moves the withdrawal to `to` only when its current status is one of `from` (one statement, so
   * concurrent steps — a cancel racing the processor — cannot both win). Returns the updated row,
   * or undefined when the status was not in `from`.
   */
  setStatus(
    id: number,
    from: readonly WithdrawalStatus[],
    to: WithdrawalStatus,
    at: number,
    engineRef?: string,
  ): Promise<WithdrawalRecord | undefined>;
  /** Withdrawals in one of `statuses`, oldest first (what the processor resumes after a restart). */
  withStatus(statuses: readonly WithdrawalStatus[], limit: number): Promise<WithdrawalRecord[]>;
  /** The account's withdrawals, newest first. */
  page(
    accountId: number,
    query: { asset?: string; status?: WithdrawalStatus; beforeId?: number; limit: number },
  ): Promise<WithdrawalRecord[]>;
}

/** Candlesticks per (symbol, interval, open time). */
export interface CandleRepository {
  /** Writes each candle, inserting or replacing it. */
  upsertMany(rows: readonly CandleRecord[]): Promise<void>;
  /**
   * Candles ascending by open time within the inclusive bounds: the first `limit` from `startTime`
   * when it is given, else the last `limit` up to `endTime` (as Binance's klines).
   */
  range(
    symbol: string,
    interval: string,
    query: { startTime?: number; endTime?: number; limit: number },
  ): Promise<CandleRecord[]>;
}

/** Security settings, second factor, recovery codes, step-ups and known devices (issue 4). */
export interface SecurityRepository {
  get(accountId: number): Promise<SecurityRecord>;
  /** Writes the given fields, creating the account's row when it has none. */
  update(accountId: number, patch: Partial<Omit<SecurityRecord, 'accountId'>>, at: number): Promise<void>;
  /**
   * Records `step` as the last accepted TOTP time step if it is later than the stored one, in one
   * statement; false when it is not, so two submissions of one code cannot both pass.
   */
  consumeTotpStep(accountId: number, step: number): Promise<boolean>;
  /** Replaces the account's recovery codes with these hashes. */
  replaceRecoveryCodes(accountId: number, hashes: readonly string[], at: number): Promise<void>;
  /** Marks an unused code used in one statement; false when it does not exist or was used. */
  useRecoveryCode(accountId: number, hash: string, at: number): Promise<boolean>;
  unusedRecoveryCodes(accountId: number): Promise<number>;
  deleteRecoveryCodes(accountId: number): Promise<void>;
  setStepUp(sessionId: string, at: number): Promise<void>;
  stepUpAt(sessionId: string): Promise<number | null>;
  /** Remembers the device; true when the account had never logged in from it. */
  rememberDevice(accountId: number, deviceId: string, at: number): Promise<boolean>;
  knownDeviceCount(accountId: number): Promise<number>;
  /** Forgets a device, so its next login is a new device's again ("Not me"). */
  forgetDevice(accountId: number, deviceId: string): Promise<void>;
  isKnownDevice(accountId: number, deviceId: string): Promise<boolean>;
}

/** Alerts, emailed links and waiting logins; each is decided once (guarded status moves). */
export interface ChallengeRepository {
  insert(challenge: ChallengeRecord): Promise<void>;
  get(id: string): Promise<ChallengeRecord | undefined>;
  findBySecretHash(hash: string): Promise<ChallengeRecord | undefined>;
  /** Pending, unexpired challenges of a kind, oldest first. */
  listOpen(accountId: number, kind: string, now: number): Promise<ChallengeRecord[]>;
  /** Moves the status from `from` to `to` in one statement; false when it was not `from`. */
  decide(id: string, from: string, to: string, at: number): Promise<boolean>;
  /**
   * Binds an unscanned (or this account's scanned) QR code to the account that scanned it, in one
   * statement; false when another account got there first or the code is past scanning.
   */
  bindAccount(id: string, accountId: number, at: number): Promise<boolean>;
  /** Ends every pending or approved challenge of a kind (a used reset link voids the others). */
  expireOpen(accountId: number, kind: string, at: number): Promise<void>;
}

export interface SecurityLogRepository {
  insert(entry: Omit<SecurityLogRecord, 'id'>): Promise<void>;
  /** Newest first; `before` pages backwards by id. */
  page(accountId: number, before: number | undefined, limit: number): Promise<SecurityLogRecord[]>;
}

/** The fields of an API key its owner may edit. */
export type ApiKeyPatch = Partial<Pick<ApiKeyRecord, 'label' | 'permissions' | 'ipWhitelist'>>;

/** API keys (A13): looked up by the hash of the key on every signed request. */
export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  findByKeyHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  get(accountId: number, id: string): Promise<ApiKeyRecord | undefined>;
  /** The account's keys, oldest first. */
  list(accountId: number): Promise<ApiKeyRecord[]>;
  count(accountId: number): Promise<number>;
  /** Writes the given fields; returns the updated key, or undefined when the account has no such key. */
  update(accountId: number, id: string, patch: ApiKeyPatch, at: number): Promise<ApiKeyRecord | undefined>;
  /** Deletes one key; returns it as it was, or undefined when the account has no such key. */
  delete(accountId: number, id: string): Promise<ApiKeyRecord | undefined>;
  /** Deletes every key of the account; returns them as they were. */
  deleteAll(accountId: number): Promise<ApiKeyRecord[]>;
  touch(id: string, at: number): Promise<void>;
}

export interface Repositories {
  accounts: AccountRepository;
  sessions: SessionRepository;
  events: EventRepository;
  loginHistory: LoginHistoryRepository;
  throttle: ThrottleRepository;
  journal: JournalRepository;
  snapshots: SnapshotRepository;
  balances: BalanceRepository;
  orders: OrderRepository;
  trades: TradeRepository;
  depositAddresses: DepositAddressRepository;
  deposits: DepositRepository;
  withdrawals: WithdrawalRepository;
  candles: CandleRepository;
  security: SecurityRepository;
  securityLog: SecurityLogRepository;
  challenges: ChallengeRepository;
  apiKeys: ApiKeyRepository;
  kyc: KycRepository;
  preferences: PreferencesRepository;
  watchlists: WatchlistRepository;
  priceAlerts: PriceAlertRepository;
  notifications: NotificationRepository;
}

export interface KycRepository {
  get(accountId: number): Promise<KycRecord | undefined>;
  put(record: KycRecord): Promise<void>;
}

export interface PreferencesRepository {
  get(accountId: number): Promise<PreferencesRecord | undefined>;
  put(record: PreferencesRecord): Promise<void>;
  /** Every device switch the account has set, oldest first. */
  devices(accountId: number): Promise<DevicePreferenceRecord[]>;
  putDevice(record: DevicePreferenceRecord): Promise<void>;
}

export interface WatchlistRepository {
  /** Least recently changed first. */
  list(accountId: number): Promise<WatchlistRecord[]>;
  get(accountId: number, name: string): Promise<WatchlistRecord | undefined>;
  count(accountId: number): Promise<number>;
  /** Inserts or replaces (keeping `createdAt` of an existing list). */
  put(record: WatchlistRecord): Promise<void>;
  delete(accountId: number, name: string): Promise<boolean>;
}

export interface PriceAlertRepository {
  insert(record: PriceAlertRecord): Promise<void>;
  /** Oldest first. */
  list(accountId: number): Promise<PriceAlertRecord[]>;
  count(accountId: number): Promise<number>;
  delete(accountId: number, id: string): Promise<PriceAlertRecord | undefined>;
  /** Every ACTIVE alert of every account (the trigger index is built from it at start). */
  listActive(): Promise<PriceAlertRecord[]>;
  /** ACTIVE → TRIGGERED for those of `ids` still ACTIVE, in one statement; the triggered records. */
  trigger(ids: readonly string[], at: number, price: number): Promise<PriceAlertRecord[]>;
}

export interface NotificationRepository {
  insertMany(records: readonly NotificationRecord[]): Promise<void>;
  /** Newest first; `before` pages backwards by id. */
  page(
    accountId: number,
    before: number | undefined,
    limit: number,
    unreadOnly: boolean,
  ): Promise<NotificationRecord[]>;
  unreadCount(accountId: number): Promise<number>;
  /** Marks the unread ones among `ids` read; returns the ids that changed. */
  markRead(accountId: number, ids: readonly number[], at: number): Promise<number[]>;
  /** Marks every unread one with id ≤ `upTo` read; returns how many changed. */
  markReadUpTo(accountId: number, upTo: number, at: number): Promise<number>;
  /**
   * Deletes the account's read notifications older than its newest `keep`; unread ones stay (every
   * device counts them). Returns how many went.
   */
  prune(accountId: number, keep: number): Promise<number>;
}

/** The storage the server runs on: SQLite embedded, PostgreSQL in a cluster. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Repositories outside any transaction, for reads and single writes. */
  readonly repos: Repositories;
  /**
   * Runs `fn` in one transaction: all its writes commit together or none do. Resolves once the
   * commit is durable.
   */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `fn`'s reads against one consistent view of the store (a repeatable-read, read-only
   * transaction on PostgreSQL), so what it reads belongs to one moment: an account snapshot and
   * the stream position it is tagged with agree.
   */
  readConsistent<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Checks the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
