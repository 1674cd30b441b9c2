import { randomBytes } from 'node:crypto';
import {
  LockstepError,
  describeRevokeReason,
  type ApiKeyPermission,
  type LoginHistoryPage,
  type Platform,
  type RevokeReason,
  type SessionCreatedEvent,
  type SessionRevokedEvent,
} from '@lockstep/protocol';
import type { AccountRecord, Repositories, SessionRecord, Store } from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import { isSessionLive, sessionExpiresAt, slotEvictions } from '../domain/session-policy.ts';
import { emailThrottleKey } from '../domain/login-throttle.ts';
import {
  assertAcceptablePassword,
  hashPassword,
  verifyAgainstDummy,
  verifyPassword,
} from '../security/password-policy.ts';
import { hashToken, newId, newToken, tokenMatchesHash } from '../security/tokens.ts';
import { commitWithEvents, type Emit } from './account-stream.ts';
import type { EventBus } from './event-bus.ts';
import { LoginThrottle } from './login-throttle.ts';
import { clampUserAgent, deviceNameFor } from './device-name.ts';
import { presentLoginHistory, sessionEventData } from './presenters.ts';
import { isoTime } from '../domain/iso-time.ts';

/** Who is asking, as the gateway saw the request. */
export interface ClientContext {
  ip: string;
  userAgent: string | undefined;
}

export interface LoginInput {
  email: string;
  password: string;
  platform: Platform;
  deviceName?: string;
  deviceId?: string;
  cookie?: boolean;
  twoFactorCode?: string;
  humanProof?: string;
}

/**
 * The security checks a login passes through beyond the password (issue 4): the second factor,
 * and what a successful login changes (known devices, holds, the security log, alerts).
 */
export interface LoginGuard {
  /** Before anything is counted or checked: throws when the login must prove a human is there (A2). */
  checkHuman(email: string, input: LoginInput, client: ClientContext): Promise<void>;
  /** After the password matched: throws ACCOUNT_LOCKED, TWO_FACTOR_REQUIRED or INVALID_TWO_FACTOR_CODE. */
  checkLogin(account: AccountRecord, code: string | undefined, client: ClientContext): Promise<void>;
  /** Inside the login's transaction, once the session exists. */
  onLogin(
    repos: Repositories,
    emit: Emit,
    account: AccountRecord,
    session: SessionRecord,
    now: number,
  ): Promise<void>;
  /** Whether this login must first be verified by email; the pending attempt when so. */
  verificationFor(
    account: AccountRecord,
    input: VerifiedLoginInput,
    client: ClientContext,
  ): Promise<PendingLogin | null>;
  /** After the login committed (emails, which must not hold the transaction open). */
  afterLogin(account: AccountRecord, session: SessionRecord): void;
  /** A refused login of an existing account. */
  onFailure(account: AccountRecord, client: ClientContext, reason: string): Promise<void>;
  /** This failure locked the account's login (too many in a row): the owner is told how to unlock. */
  onLoginLocked(account: AccountRecord, client: ClientContext): Promise<void>;
}

/** What a device must do before its login gets a session: open the emailed link (A7, A8). */
export interface PendingLogin {
  id: string;
  /** Only the device that made the attempt holds this; it collects the session once approved. */
  waitToken: string;
  expiresAt: string;
  reason: 'new_device' | 'too_many_devices';
}

/** A login attempt as it is kept while it waits for verification (never the password). */
export interface VerifiedLoginInput {
  platform: Platform;
  deviceName?: string;
  deviceId: string;
  cookie?: boolean;
}

export interface LoginOutcome {
  account: AccountRecord;
  session: SessionRecord;
  token: string;
  csrfToken: string | null;
  evicted: SessionRecord[];
}

/** An authenticated request's account and session. */
export interface Principal {
  account: AccountRecord;
  /**
   * The session of the request. For a request signed with an API key it is a stand-in, not stored:
   * its id is the key's id, its platform `api`, its device name the key's label.
   */
  session: SessionRecord;
  /** Set when the request was signed with an API key (A13): which key, and what it may do. */
  apiKey?: { id: string; permissions: readonly ApiKeyPermission[] };
}

/** Emails are compared trimmed and lower-cased, so one mailbox is one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Registration, login, session authentication, logout and login history: the account and session
 * rules of A1, A4, A5, A6 and A14. Every session change goes onto the account stream in the same
 * transaction.
 */
export class AuthService {
  /** When each session's last-active time was last written, to write it at most once a minute. */
  private readonly touchedAt = new Map<string, number>();
  private static readonly touchCacheMax = 100_000;
  private readonly throttle: LoginThrottle;
  /**
   * Live principals by token hash, so an authenticated request reads nothing from the store.
   * Only with the embedded store: one process owns the data folder, so every revocation passes
   * through this object and removes its entries before and after it commits. With PostgreSQL
   * other processes may revoke, and the bus that would tell us may lose a message, so there every
   * request reads the store. `generation` stops a read that raced a revocation from caching what
   * it read.
   */
  private readonly principals: Map<string, Principal> | null;
  private static readonly principalCacheMax = 100_000;
  private generation = 0;
  private guard: LoginGuard | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly config: ServerConfig,
  ) {
    this.throttle = new LoginThrottle(store, config.throttle, config.now);
    this.principals = store.dialect === 'sqlite' ? new Map() : null;
  }

  /** Installs the checks of the security service (set once at start-up). */
  useLoginGuard(guard: LoginGuard): void {
    this.guard = guard;
  }

  async register(input: { email: string; password: string }): Promise<AccountRecord> {
    const email = normalizeEmail(input.email);
    assertAcceptablePassword(input.password, { email });
    if (await this.store.repos.accounts.findByEmail(email)) {
      throw new LockstepError('EMAIL_TAKEN', 'email is already registered', { field: 'email' });
    }
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.store.repos.accounts.create({
        email,
        passwordHash,
        createdAt: this.config.now(),
        streamEpoch: randomBytes(8).toString('hex'),
      });
    } catch (error) {
      // Two registrations of one email raced past the check above; the unique index decided.
      if (await this.store.repos.accounts.findByEmail(email)) {
        throw new LockstepError('EMAIL_TAKEN', 'email is already registered', { field: 'email' });
      }
      throw error;
    }
  }

  async login(input: LoginInput, client: ClientContext): Promise<LoginOutcome | { pending: PendingLogin }> {
    const email = normalizeEmail(input.email);
    await this.guard?.checkHuman(email, input, client);
    const { lockedEmail } = await this.throttle.reserve(email, client.ip);
    const account = await this.store.repos.accounts.findByEmail(email);
    const passwordOk = account
      ? await verifyPassword(account.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!account || !passwordOk) {
      const reason = lockedEmail ? 'invalid_credentials_locked' : 'invalid_credentials';
      if (account) await this.recordFailure(account, client, input, reason);
      if (account && lockedEmail) await this.guard?.onLoginLocked(account, client);
      throw new LockstepError('INVALID_CREDENTIALS', 'email or password is wrong');
    }
    try {
      await this.guard?.checkLogin(account, input.twoFactorCode, client);
    } catch (error) {
      // A wrong code counts like a wrong password (the attempt was reserved above); a missing one
      // only asks for it, leaving the reserved attempt counted until a login succeeds.
      if (error instanceof LockstepError && error.code === 'INVALID_TWO_FACTOR_CODE')
        await this.recordFailure(account, client, input, 'invalid_two_factor_code');
      throw error;
    }
    await this.throttle.succeeded(email, client.ip);
    const attempt: VerifiedLoginInput = {
      platform: input.platform,
      deviceId: input.deviceId ?? newId('dev', 16),
      ...(input.deviceName !== undefined ? { deviceName: input.deviceName } : {}),
      ...(input.cookie !== undefined ? { cookie: input.cookie } : {}),
    };
    const pending = await this.guard?.verificationFor(account, attempt, client);
    if (pending) return { pending };
    return this.createSession(account, attempt, client);
  }

  /** Finishes a login whose email verification was approved: the waiting device gets its session. */
  async completeVerifiedLogin(
    accountId: number,
    attempt: VerifiedLoginInput,
    client: ClientContext,
  ): Promise<LoginOutcome> {
    const account = await this.store.repos.accounts.findById(accountId);
    if (!account) throw new LockstepError('SESSION_INVALID', 'the account no longer exists');
    return this.createSession(account, attempt, client);
  }

  private async createSession(
    account: AccountRecord,
    input: VerifiedLoginInput,
    client: ClientContext,
  ): Promise<LoginOutcome> {
    const now = this.config.now();
    const token = newToken('lss');
    const csrfToken = input.cookie ? newToken('csrf') : null;
    const userAgent = clampUserAgent(client.userAgent);
    const session: SessionRecord = {
      id: newId('ses'),
      accountId: account.id,
      tokenHash: hashToken(token),
      csrfHash: csrfToken === null ? null : hashToken(csrfToken),
      deviceId: input.deviceId,
      deviceName: deviceNameFor(input.deviceName, userAgent),
      platform: input.platform,
      ip: client.ip,
      userAgent,
      createdAt: now,
      lastActiveAt: now,
      absoluteExpiresAt: now + this.config.lifetimes.absoluteMs,
      revokedAt: null,
      revokeReason: null,
    };
    const evicted = await commitWithEvents(this.store, this.bus, now, async (repos, emit) => {
      // Concurrent logins of one account take turns, so two of them cannot both fill one slot.
      await repos.accounts.lock(account.id);
      const live = await this.liveSessions(repos, account.id, now);
      const evictions = slotEvictions(live, input.platform, this.config.slots);
      const revoked = await this.revokeIn(
        repos,
        emit,
        account.id,
        evictions.map((s) => s.id),
        'slot_evicted',
        now,
      );
      await repos.sessions.insert(session);
      emit<SessionCreatedEvent>(
        account.id,
        'session.created',
        sessionEventData(session, this.config.lifetimes),
      );
      await repos.loginHistory.insert({
        accountId: account.id,
        success: true,
        failureReason: null,
        sessionId: session.id,
        platform: input.platform,
        deviceName: session.deviceName,
        ip: client.ip,
        userAgent,
        createdAt: now,
      });
      await this.guard?.onLogin(repos, emit, account, session, now);
      return revoked;
    });
    this.guard?.afterLogin(account, session);
    if (evicted.length > 0)
      this.forget(
        account.id,
        evicted.map((s) => s.id),
      );
    return { account, session, token, csrfToken, evicted };
  }

  /**
   * Resolves a bearer or cookie token to its live session. A refused token says why: unknown,
   * expired, or signed out (with the reason, e.g. a newer login took its slot).
   */
  async authenticate(token: string): Promise<Principal> {
    const now = this.config.now();
    const tokenHash = hashToken(token);
    // Entries are keyed by the token's hash, so finding one is the match; no second hash is needed.
    const cached = this.principals?.get(tokenHash);
    if (cached) {
      if (isSessionLive(cached.session, this.config.lifetimes, now)) {
        await this.touch(cached.session, now);
        return cached;
      }
      this.principals!.delete(tokenHash);
    }
    const generation = this.generation;
    const session = await this.store.repos.sessions.findByTokenHash(tokenHash);
    if (!session || !tokenMatchesHash(token, session.tokenHash)) {
      throw new LockstepError('SESSION_INVALID', 'session token is not valid; log in again');
    }
    if (session.revokedAt !== null && session.revokeReason === 'expired') {
      throw new LockstepError('SESSION_EXPIRED', describeRevokeReason('expired'), {
        details: { expiredAt: isoTime(session.revokedAt) },
      });
    }
    if (session.revokedAt !== null) {
      const reason = session.revokeReason as RevokeReason;
      throw new LockstepError('SESSION_REVOKED', describeRevokeReason(reason), { details: { reason } });
    }
    if (!isSessionLive(session, this.config.lifetimes, now)) {
      throw new LockstepError('SESSION_EXPIRED', describeRevokeReason('expired'), {
        details: { expiredAt: isoTime(sessionExpiresAt(session, this.config.lifetimes)) },
      });
    }
    const account = await this.store.repos.accounts.findById(session.accountId);
    if (!account) throw new LockstepError('SESSION_INVALID', 'session token is not valid; log in again');
    await this.touch(session, now);
    const principal = { account, session };
    if (this.principals && generation === this.generation) {
      if (this.principals.size >= AuthService.principalCacheMax) this.principals.clear();
      this.principals.set(tokenHash, principal);
    }
    return principal;
  }

  /** Drops cached principals of these sessions (all of the account's when none are named). */
  private forget(accountId: number, sessionIds?: readonly string[]): void {
    this.generation += 1;
    if (!this.principals) return;
    for (const [hash, principal] of this.principals) {
      if (principal.account.id !== accountId) continue;
      if (sessionIds === undefined || sessionIds.includes(principal.session.id)) this.principals.delete(hash);
    }
  }

  /** The account's live sessions, oldest first. */
  async listSessions(accountId: number, repos: Repositories = this.store.repos): Promise<SessionRecord[]> {
    return this.liveSessions(repos, accountId, this.config.now());
  }

  /** Signs out one session of the account (this device or another one). */
  async revokeSession(principal: Principal, sessionId: string): Promise<string[]> {
    const now = this.config.now();
    const target = await this.store.repos.sessions.findById(principal.account.id, sessionId);
    if (!target || !isSessionLive(target, this.config.lifetimes, now)) {
      throw new LockstepError('SESSION_NOT_FOUND', `no live session with id ${sessionId}`, { field: 'id' });
    }
    const reason: RevokeReason = sessionId === principal.session.id ? 'logout' : 'revoked_by_other_device';
    return this.revokeWhere(principal.account.id, now, reason, (s) => s.id === sessionId);
  }

  /** Signs out every session but the caller's. */
  revokeOthers(principal: Principal): Promise<string[]> {
    return this.revokeWhere(
      principal.account.id,
      this.config.now(),
      'logout_others',
      (s) => s.id !== principal.session.id,
    );
  }

  /** Signs out every session of the account, the caller's included. */
  revokeAll(principal: Principal): Promise<string[]> {
    return this.revokeWhere(principal.account.id, this.config.now(), 'logout_all', () => true);
  }

  async loginHistory(accountId: number, limit: number, before?: number): Promise<LoginHistoryPage> {
    const rows = await this.store.repos.loginHistory.page(accountId, before, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map(presentLoginHistory),
      nextBefore: rows.length > limit && last ? last.id : null,
    };
  }

  /** The stream head an account's devices should be at. */
  streamHead(accountId: number): Promise<{ epoch: string; seq: number }> {
    return this.store.repos.accounts.streamHead(accountId);
  }

  /**
   * Ends sessions whose lifetime ran out, as a revocation with reason `expired`: every other
   * device sees the device leave its list (`session.revoked`), and its sockets are closed. Runs
   * on a timer (`sessionSweepMs`); tests call it with their clock. Returns how many ended.
   */
  async expireSessions(limit = 500): Promise<number> {
    const now = this.config.now();
    const expired = await this.store.repos.sessions.listExpired(now, this.config.lifetimes.idleMs, limit);
    const byAccount = new Map<number, string[]>();
    for (const s of expired) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s.id]);
    let ended = 0;
    for (const [accountId, ids] of byAccount) {
      // Checked again under the account's lock: a request may have used the session meanwhile.
      ended += (
        await this.revokeWhere(accountId, now, 'expired', (s) => ids.includes(s.id), { expiredOnly: true })
      ).length;
    }
    return ended;
  }

  private async revokeWhere(
    accountId: number,
    now: number,
    reason: RevokeReason,
    which: (s: SessionRecord) => boolean,
    { expiredOnly = false } = {},
  ): Promise<string[]> {
    const revoked = await commitWithEvents(this.store, this.bus, now, async (repos, emit) => {
      await repos.accounts.lock(accountId);
      const candidates = expiredOnly
        ? (await repos.sessions.listUnrevoked(accountId)).filter(
            (s) => !isSessionLive(s, this.config.lifetimes, now),
          )
        : await this.liveSessions(repos, accountId, now);
      const ids = candidates.filter(which).map((s) => s.id);
      return (await this.revokeIn(repos, emit, accountId, ids, reason, now)).map((s) => s.id);
    });
    this.forget(accountId, revoked);
    return revoked;
  }

  private async revokeIn(
    repos: Repositories,
    emit: Emit,
    accountId: number,
    ids: string[],
    reason: RevokeReason,
    now: number,
  ): Promise<SessionRecord[]> {
    if (ids.length === 0) return [];
    // Forgotten before the revocation commits and again after (see revokeWhere and login), so no
    // request in between can put the session back into the cache.
    this.forget(accountId, ids);
    const revoked = await repos.sessions.revoke(accountId, ids, now, reason);
    for (const session of revoked) {
      this.touchedAt.delete(session.id);
      emit<SessionRevokedEvent>(
        accountId,
        'session.revoked',
        sessionEventData(session, this.config.lifetimes),
      );
    }
    return revoked;
  }

  private async liveSessions(repos: Repositories, accountId: number, now: number): Promise<SessionRecord[]> {
    const sessions = await repos.sessions.listUnrevoked(accountId);
    return sessions.filter((s) => isSessionLive(s, this.config.lifetimes, now));
  }

  private async touch(session: SessionRecord, now: number): Promise<void> {
    const last = this.touchedAt.get(session.id) ?? session.lastActiveAt;
    if (now - last < this.config.touchIntervalMs) return;
    if (this.touchedAt.size >= AuthService.touchCacheMax) this.touchedAt.clear();
    this.touchedAt.set(session.id, now);
    session.lastActiveAt = now;
    await this.store.repos.sessions.touch(session.id, now);
  }

  private async recordFailure(
    account: AccountRecord,
    client: ClientContext,
    input: LoginInput,
    failureReason: string,
  ): Promise<void> {
    const userAgent = clampUserAgent(client.userAgent);
    await this.store.repos.loginHistory.insert({
      accountId: account.id,
      success: false,
      failureReason,
      sessionId: null,
      platform: input.platform,
      deviceName: deviceNameFor(input.deviceName, userAgent),
      ip: client.ip,
      userAgent,
      createdAt: this.config.now(),
    });
    await this.guard?.onFailure(account, client, failureReason);
  }

  /**
   * Runs a security change and signs out every other session of the account in one transaction
   * (ASVS 3.3.3: a password or 2FA change ends the other sessions). The caller's session stays.
   */
  changeAndRevokeOthers<T>(
    principal: Principal,
    reason: RevokeReason,
    change: (repos: Repositories, emit: Emit) => Promise<T>,
  ): Promise<{ result: T; revoked: string[] }> {
    return this.changeAndRevoke(principal.account.id, principal.session.id, reason, change);
  }

  /** Runs a change and signs out every session of the account but `keep` (none when null), in one transaction. */
  async changeAndRevoke<T>(
    accountId: number,
    keep: string | null,
    reason: RevokeReason,
    change: (repos: Repositories, emit: Emit) => Promise<T>,
  ): Promise<{ result: T; revoked: string[] }> {
    const now = this.config.now();
    const outcome = await commitWithEvents(this.store, this.bus, now, async (repos, emit) => {
      await repos.accounts.lock(accountId);
      const result = await change(repos, emit);
      const ids = (await this.liveSessions(repos, accountId, now))
        .filter((s) => s.id !== keep)
        .map((s) => s.id);
      const revoked = (await this.revokeIn(repos, emit, accountId, ids, reason, now)).map((s) => s.id);
      return { result, revoked };
    });
    // Every cached principal of the account goes: the caller's holds the account as it was.
    this.forget(accountId);
    return outcome;
  }

  /**
   * Gives the session a new token (at step-up, as ASVS 3.2.1 asks when privileges change), so a
   * token that leaked before cannot ride on the fresh authentication.
   */
  async rotateToken(principal: Principal): Promise<{ token: string; csrfToken: string | null }> {
    const token = newToken('lss');
    const csrfToken = principal.session.csrfHash === null ? null : newToken('csrf');
    this.forget(principal.account.id, [principal.session.id]);
    await this.store.repos.sessions.rotateToken(
      principal.session.id,
      hashToken(token),
      csrfToken === null ? null : hashToken(csrfToken),
    );
    this.forget(principal.account.id, [principal.session.id]);
    return { token, csrfToken };
  }

  /**
   * Checks the password of a logged-in user confirming a sensitive action. It shares the login's
   * attempt counters, so a stolen session cannot be used to guess the password either; the
   * account is read fresh, since the cached one may predate a password change.
   */
  async reauthenticate(principal: Principal, password: string, client: ClientContext): Promise<boolean> {
    const account = await this.store.repos.accounts.findById(principal.account.id);
    if (!account) return false;
    await this.throttle.reserve(account.email, client.ip);
    return verifyPassword(account.passwordHash, password);
  }

  /**
   * Gives back the attempt a re-authentication reserved, once every factor it needed passed; a
   * wrong 2FA code after a right password therefore stays counted, as at login.
   */
  async reauthenticated(principal: Principal, client: ClientContext): Promise<void> {
    await this.throttle.succeeded(normalizeEmail(principal.account.email), client.ip);
  }

  /** Lifts the lock that failed logins put on the account's email (owner's link or operator). */
  async clearLoginLock(email: string): Promise<void> {
    await this.store.repos.throttle.delete(emailThrottleKey(normalizeEmail(email)));
  }

  /** The hash of a new password, once the policy accepts it (hashed before any transaction opens). */
  async newPasswordHash(account: AccountRecord, password: string): Promise<string> {
    assertAcceptablePassword(password, { email: account.email }, 'newPassword');
    return hashPassword(password);
  }
}
