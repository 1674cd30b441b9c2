import { randomBytes } from 'node:crypto';
import {
  LockstepError,
  describeRevokeReason,
  type LoginHistoryPage,
  type Platform,
  type RevokeReason,
  type SessionCreatedEvent,
  type SessionRevokedEvent,
} from '@lockstep/protocol';
import type { AccountRecord, Repositories, SessionRecord, Store } from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import { isSessionLive, sessionExpiresAt, slotEvictions } from '../domain/session-policy.ts';
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
  session: SessionRecord;
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

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly config: ServerConfig,
  ) {
    this.throttle = new LoginThrottle(store, config.throttle, config.now);
    this.principals = store.dialect === 'sqlite' ? new Map() : null;
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

  async login(input: LoginInput, client: ClientContext): Promise<LoginOutcome> {
    const email = normalizeEmail(input.email);
    const now = this.config.now();
    const { lockedEmail } = await this.throttle.reserve(email, client.ip);
    const account = await this.store.repos.accounts.findByEmail(email);
    const passwordOk = account
      ? await verifyPassword(account.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!account || !passwordOk) {
      const reason = lockedEmail ? 'invalid_credentials_locked' : 'invalid_credentials';
      if (account) await this.recordFailure(account, client, input, reason);
      throw new LockstepError('INVALID_CREDENTIALS', 'email or password is wrong');
    }
    await this.throttle.succeeded(email, client.ip);
    const token = newToken('lss');
    const csrfToken = input.cookie ? newToken('csrf') : null;
    const userAgent = clampUserAgent(client.userAgent);
    const session: SessionRecord = {
      id: newId('ses'),
      accountId: account.id,
      tokenHash: hashToken(token),
      csrfHash: csrfToken === null ? null : hashToken(csrfToken),
      deviceId: input.deviceId ?? newId('dev', 16),
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
      return revoked;
    });
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
    const cached = this.principals?.get(tokenHash);
    if (cached && tokenMatchesHash(token, cached.session.tokenHash)) {
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
    if (session.revokedAt !== null) {
      const reason = session.revokeReason as RevokeReason;
      throw new LockstepError('SESSION_REVOKED', describeRevokeReason(reason), { details: { reason } });
    }
    if (!isSessionLive(session, this.config.lifetimes, now)) {
      throw new LockstepError('SESSION_EXPIRED', describeRevokeReason('expired'), {
        details: { expiredAt: new Date(sessionExpiresAt(session, this.config.lifetimes)).toISOString() },
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
  async listSessions(accountId: number): Promise<SessionRecord[]> {
    return this.liveSessions(this.store.repos, accountId, this.config.now());
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

  private async revokeWhere(
    accountId: number,
    now: number,
    reason: RevokeReason,
    which: (s: SessionRecord) => boolean,
  ): Promise<string[]> {
    const revoked = await commitWithEvents(this.store, this.bus, now, async (repos, emit) => {
      await repos.accounts.lock(accountId);
      const ids = (await this.liveSessions(repos, accountId, now)).filter(which).map((s) => s.id);
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
  }
}
