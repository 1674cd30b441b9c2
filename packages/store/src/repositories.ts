import type {
  AccountRecord,
  LoginHistoryRecord,
  SessionRecord,
  StoredEvent,
  ThrottleRecord,
} from './records.ts';

/** Accounts and the head of each account's event stream. */
export interface AccountRepository {
  create(input: Omit<AccountRecord, 'id' | 'streamSeq'>): Promise<AccountRecord>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  findById(id: number): Promise<AccountRecord | undefined>;
  /** Advances the account's stream head by one and returns the new `seq`; call inside a transaction. */
  nextSeq(accountId: number): Promise<{ epoch: string; seq: number }>;
  /** The stream head without advancing it. */
  streamHead(accountId: number): Promise<{ epoch: string; seq: number }>;
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
  touch(id: string, at: number): Promise<void>;
}

/** The numbered account event stream. */
export interface EventRepository {
  append(event: StoredEvent): Promise<void>;
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

export interface Repositories {
  accounts: AccountRepository;
  sessions: SessionRepository;
  events: EventRepository;
  loginHistory: LoginHistoryRepository;
  throttle: ThrottleRepository;
}

/** The storage the server runs on: SQLite embedded, PostgreSQL in a cluster. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Repositories outside any transaction, for reads and single writes. */
  readonly repos: Repositories;
  /** Runs `fn` in one transaction: all its writes commit together or none do. */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Checks the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
