import {
  LockstepError,
  type RevokeReason,
  type SecurityAlertEvent,
  type SecurityAlertView,
  type QrRequestView,
  type RecoveryCodesView,
  type SecurityLogPage,
  type SecurityUpdatedEvent,
  type SecurityView,
  type TotpSetupView,
} from '@lockstep/protocol';
import type {
  AccountRecord,
  ChallengeRecord,
  Repositories,
  SecurityRecord,
  SessionRecord,
  Store,
} from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import { composeSecurityMail } from '../mail/compose.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { hashToken, newId, newToken, tokenMatchesHash } from '../security/tokens.ts';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  qrSvg,
  totpStep,
} from '../security/second-factor.ts';
import type { Emit } from './account-stream.ts';
import { emailThrottleKey, ipThrottleKey } from '../domain/login-throttle.ts';
import { HumanCheck } from '../security/human-check.ts';
import type {
  AuthService,
  ClientContext,
  LoginGuard,
  LoginInput,
  PendingLogin,
  Principal,
  VerifiedLoginInput,
} from './auth-service.ts';
import { clampUserAgent, describeBrowser, deviceNameFor } from './device-name.ts';
import { notify } from './notifications.ts';

/**
 * An unanswered security alert stops asking after this long, the length of the new-device hold:
 * until then the new device cannot change security settings (see `assertConfirmedDevice`).
 */
const alertLifetimeMs = 48 * 3_600_000;
/** A new-device verification link works this long (A8: at most 10 minutes). */
const loginVerificationLifetimeMs = 10 * 60_000;
/** A QR login code works this long (A3: at most 2 minutes). */
const qrLifetimeMs = 2 * 60_000;
/** A password-reset link works this long. */
const resetLinkLifetimeMs = 60 * 60_000;

/** A TOTP setup must be confirmed within this time, or started again. */
const totpSetupTtlMs = 10 * 60_000;

/** What the security log records about who acted. */
interface Actor {
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

const nobody: Actor = { sessionId: null, ip: null, userAgent: null };

function actorOf(principal: Principal, client: ClientContext): Actor {
  return { sessionId: principal.session.id, ip: client.ip, userAgent: clampUserAgent(client.userAgent) };
}

/**
 * Account security (issue 4): the second factor (A11), step-up re-authentication (A5), the
 * anti-phishing code (A12), withdrawal holds (A10), password change, and the security log (A14).
 * Every change is written with its log entry and a `security.updated` event in one transaction,
 * so every device of the account sees it at once; emails go out after the commit.
 */
export class SecurityService implements LoginGuard {
  private readonly human: HumanCheck;

  constructor(
    private readonly store: Store,
    private readonly config: ServerConfig,
    private readonly auth: AuthService,
    private readonly box: SecretBox,
    private readonly mailer: Mailer,
    private readonly commit: <T>(fn: (repos: Repositories, emit: Emit) => Promise<T>) => Promise<T>,
  ) {
    this.human = new HumanCheck(box.derive('altcha'), config.now);
  }

  async view(accountId: number, repos: Repositories = this.store.repos): Promise<SecurityView> {
    return this.present(repos, await repos.security.get(accountId));
  }

  // ---- Login (LoginGuard) ----

  async checkLogin(account: AccountRecord, code: string | undefined, client: ClientContext): Promise<void> {
    const security = await this.store.repos.security.get(account.id);
    if (security.loginLockedAt !== null) {
      throw new LockstepError(
        'ACCOUNT_LOCKED',
        'this account is locked after a login was reported as "Not me"; reset the password from the link emailed to you',
      );
    }
    if (security.totpSecret === null) return;
    if (code === undefined) {
      throw new LockstepError(
        'TWO_FACTOR_REQUIRED',
        'twoFactorCode: 2FA is on; send the authenticator code (or a recovery code) with the login',
        { field: 'twoFactorCode' },
      );
    }
    const used = await this.useSecondFactor(this.store.repos, security, code);
    if (used === null) {
      throw new LockstepError('INVALID_TWO_FACTOR_CODE', 'twoFactorCode: the code is wrong or already used', {
        field: 'twoFactorCode',
      });
    }
    if (used === 'recovery')
      await this.recoveryCodeUsed(account.id, {
        sessionId: null,
        ip: client.ip,
        userAgent: clampUserAgent(client.userAgent),
      });
  }

  /** Logs a spent recovery code and tells every device how many are left. */
  private async recoveryCodeUsed(accountId: number, actor: Actor): Promise<void> {
    await this.commit(async (repos, emit) => {
      await this.log(repos, accountId, 'recovery_code_used', {}, actor);
      const view = await this.present(repos, await repos.security.get(accountId));
      emit<SecurityUpdatedEvent>(accountId, 'security.updated', { security: view });
    });
  }

  async onLogin(
    repos: Repositories,
    emit: Emit,
    account: AccountRecord,
    session: SessionRecord,
    now: number,
  ): Promise<void> {
    const newDevice = await this.isNewDevice(repos, account.id, session.deviceId);
    await repos.security.rememberDevice(account.id, session.deviceId, now);
    const actor = { sessionId: session.id, ip: session.ip, userAgent: session.userAgent };
    await this.log(
      repos,
      account.id,
      'login',
      {
        platform: session.platform,
        deviceName: session.deviceName,
        newDevice,
      },
      actor,
    );
    if (!newDevice) return;
    const security = await repos.security.get(account.id);
    if (security.newDeviceHold) {
      await this.hold(repos, emit, security, now + this.config.newDeviceHoldMs, 'new_device_login', actor);
    }
    // Every device of the account is asked: "It was me" or "Not me" (A9).
    const alert: ChallengeRecord = {
      id: newId('alr'),
      kind: 'alert',
      accountId: account.id,
      secretHash: null,
      waitHash: null,
      status: 'pending',
      data: {
        sessionId: session.id,
        deviceId: session.deviceId,
        sessionCreatedAt: session.createdAt,
        platform: session.platform,
        deviceName: session.deviceName,
        ip: session.ip,
        userAgent: session.userAgent,
      },
      createdAt: now,
      expiresAt: now + alertLifetimeMs,
      decidedAt: null,
    };
    await repos.challenges.insert(alert);
    emit<SecurityAlertEvent>(account.id, 'security.alert', { alert: presentAlert(alert) });
    notify(
      emit,
      account.id,
      {
        kind: 'security_alert',
        title: 'New device signed in',
        body: `${session.deviceName} (${session.platform}) signed in from ${session.ip}. Was it you?`,
        ref: { alertId: alert.id },
      },
      now,
    );
    this.newDeviceLogins.add(session.id);
  }

  /** Sessions whose login was from a new device, waiting for their email after the commit. */
  private readonly newDeviceLogins = new Set<string>();

  afterLogin(account: AccountRecord, session: SessionRecord): void {
    if (!this.newDeviceLogins.delete(session.id)) return;
    this.notify(account.id, account.email, 'New device signed in to your Lockstep account', [
      `A new device signed in to your account: ${describeBrowser(session.userAgent)} (${session.platform}), from ${session.ip}, at ${new Date(session.createdAt).toISOString()}.`,
      'If this was you, there is nothing to do. Withdrawals are held for 48 hours after a login from a new device.',
      'If it was not you, open Lockstep on a device you trust, sign out every other device and change your password.',
    ]);
  }

  async onFailure(account: AccountRecord, client: ClientContext, reason: string): Promise<void> {
    await this.log(
      this.store.repos,
      account.id,
      'login_failed',
      { reason },
      {
        sessionId: null,
        ip: client.ip,
        userAgent: clampUserAgent(client.userAgent),
      },
    );
  }

  // ---- New-device and risk verification by email (A7, A8) ----

  /**
   * A login from a device the account has never used (when the account has used others), or one
   * that would take the account past `onlineDevicesMax` live sessions, waits for the owner to open
   * an emailed link (single-use, bound to this attempt, valid 10 minutes).
   */
  async verificationFor(
    account: AccountRecord,
    attempt: VerifiedLoginInput,
    client: ClientContext,
  ): Promise<PendingLogin | null> {
    const reason = await this.verificationReason(account.id, attempt.deviceId);
    if (reason === null) return null;
    const now = this.config.now();
    const linkToken = newToken('lnk');
    const waitToken = newToken('lnk');
    const userAgent = clampUserAgent(client.userAgent);
    const challenge: ChallengeRecord = {
      id: newId('lgn'),
      kind: 'login',
      accountId: account.id,
      secretHash: hashToken(linkToken),
      waitHash: hashToken(waitToken),
      status: 'pending',
      data: { attempt, ip: client.ip, userAgent, reason },
      createdAt: now,
      expiresAt: now + loginVerificationLifetimeMs,
      decidedAt: null,
    };
    await this.store.repos.challenges.insert(challenge);
    await this.log(
      this.store.repos,
      account.id,
      'login_verification_sent',
      { reason, platform: attempt.platform },
      {
        sessionId: null,
        ip: client.ip,
        userAgent,
      },
    );
    const why =
      reason === 'new_device'
        ? 'Someone with your password is logging in from a device this account has not used before.'
        : `Someone with your password is logging in while ${this.config.onlineDevicesMax} or more devices are already signed in.`;
    this.notify(
      account.id,
      account.email,
      'Approve a login to your Lockstep account',
      [
        why,
        // Only what the server parsed: the device's own name is free text an attacker could fill with a link.
        `Device: ${describeBrowser(userAgent)} (${attempt.platform}), from ${client.ip}, at ${new Date(now).toISOString()}.`,
        `If this is you, open the link below within ${loginVerificationLifetimeMs / 60_000} minutes; the waiting device then logs in by itself. If it is not you, do not open it and change your password.`,
      ],
      { label: 'Approve this login', url: `${this.publicUrl()}/verify-login#token=${linkToken}` },
    );
    return { id: challenge.id, waitToken, expiresAt: new Date(challenge.expiresAt).toISOString(), reason };
  }

  /** Opens an emailed verification link: the waiting login may proceed (once). */
  async approveLogin(
    token: string,
    client: ClientContext,
  ): Promise<{ platform: string; deviceName: string; ip: string }> {
    const now = this.config.now();
    const challenge = await this.store.repos.challenges.findBySecretHash(hashToken(token));
    if (
      !challenge ||
      challenge.kind !== 'login' ||
      challenge.status !== 'pending' ||
      challenge.expiresAt <= now
    )
      throw invalidLink('token');
    if (!(await this.store.repos.challenges.decide(challenge.id, 'pending', 'approved', now)))
      throw invalidLink('token');
    const attempt = challenge.data.attempt as VerifiedLoginInput;
    await this.log(
      this.store.repos,
      ownerOf(challenge),
      'login_verified',
      { loginId: challenge.id },
      {
        sessionId: null,
        ip: client.ip,
        userAgent: clampUserAgent(client.userAgent),
      },
    );
    for (const wake of this.waiters.get(challenge.id) ?? []) wake();
    return {
      platform: attempt.platform,
      deviceName: attempt.deviceName ?? textOf(challenge.data.userAgent),
      ip: textOf(challenge.data.ip),
    };
  }

  /**
   * The waiting device asks for its session: resolves with the approved attempt as soon as the
   * link is opened (or null when `waitMs` passes first, and the device asks again). Only the
   * holder of the attempt's wait token can collect it, and only once.
   */
  async waitForLogin(
    id: string,
    waitToken: string,
    waitMs: number,
    /** The status the device already shows; a different one is answered at once. */
    seen?: 'pending' | 'scanned',
  ): Promise<{ accountId: number; attempt: VerifiedLoginInput; client: ClientContext } | null> {
    const deadline = Date.now() + waitMs;
    let firstSeen: string | undefined = seen;
    for (;;) {
      const challenge = await this.store.repos.challenges.get(id);
      if (
        !challenge ||
        (challenge.kind !== 'login' && challenge.kind !== 'qr') ||
        challenge.waitHash === null ||
        !tokenMatchesHash(waitToken, challenge.waitHash)
      )
        throw verificationExpired();
      if (challenge.status === 'approved' && challenge.accountId !== null) {
        // A lock that came after the approval ("Not me") still stops the session.
        if ((await this.store.repos.security.get(challenge.accountId)).loginLockedAt !== null)
          throw verificationExpired();
        if (!(await this.store.repos.challenges.decide(id, 'approved', 'used', this.config.now())))
          throw verificationExpired();
        return {
          accountId: challenge.accountId,
          attempt: challenge.data.attempt as VerifiedLoginInput,
          client: { ip: textOf(challenge.data.ip), userAgent: textOf(challenge.data.userAgent) },
        };
      }
      const waiting = challenge.status === 'pending' || challenge.status === 'scanned';
      if (!waiting || challenge.expiresAt <= this.config.now()) throw verificationExpired();
      // A QR code just scanned: answer now, so the waiting screen can say so at once.
      firstSeen ??= challenge.status;
      if (challenge.status !== firstSeen) return null;
      const left = deadline - Date.now();
      if (left <= 0 || this.closing) return null;
      // Woken at once by an approval in this process; the timer covers approvals in another one.
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(id) ?? new Set<() => void>();
        const wake = (): void => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0) this.waiters.delete(id);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 1000));
        set.add(wake);
        this.waiters.set(id, set);
      });
    }
  }

  // ---- QR login (A3) ----

  /**
   * A device that is not logged in asks for a QR code: a single-use secret valid two minutes,
   * bound to this device's attempt (only it holds the wait token that collects the session).
   */
  async startQrLogin(
    attempt: VerifiedLoginInput,
    client: ClientContext,
  ): Promise<{ id: string; code: string; waitToken: string; expiresAt: string; qrSvg: string }> {
    const now = this.config.now();
    const code = newToken('lnk');
    const waitToken = newToken('lnk');
    const challenge: ChallengeRecord = {
      id: newId('qrl'),
      kind: 'qr',
      accountId: null,
      secretHash: hashToken(code),
      waitHash: hashToken(waitToken),
      status: 'pending',
      data: { attempt, ip: client.ip, userAgent: clampUserAgent(client.userAgent) },
      createdAt: now,
      expiresAt: now + qrLifetimeMs,
      decidedAt: null,
    };
    await this.store.repos.challenges.insert(challenge);
    const payload = `lockstep-qr:${code}`;
    return {
      id: challenge.id,
      code: payload,
      waitToken,
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      qrSvg: await qrSvg(payload),
    };
  }

  /**
   * A logged-in phone scanned a code: it learns which device asks (platform, browser, IP, time)
   * so its owner can decide. Scanning logs no one in; it binds the code to the phone's account,
   * so no other account can approve it.
   */
  async scanQr(principal: Principal, code: string, client: ClientContext): Promise<QrRequestView> {
    const challenge = await this.liveQr(code);
    if (
      !(await this.store.repos.challenges.bindAccount(challenge.id, principal.account.id, this.config.now()))
    )
      throw invalidQr();
    await this.log(
      this.store.repos,
      principal.account.id,
      'qr_scanned',
      { qrId: challenge.id },
      actorOf(principal, client),
    );
    for (const wake of this.waiters.get(challenge.id) ?? []) wake();
    return presentQrRequest(challenge);
  }

  /** The phone's owner confirms: the waiting device receives a fresh session of this account. */
  async approveQr(principal: Principal, code: string, client: ClientContext): Promise<QrRequestView> {
    const challenge = await this.liveQr(code);
    if (challenge.accountId !== principal.account.id || challenge.status !== 'scanned') throw invalidQr();
    if (!(await this.store.repos.challenges.decide(challenge.id, 'scanned', 'approved', this.config.now())))
      throw invalidQr();
    await this.log(
      this.store.repos,
      principal.account.id,
      'qr_approved',
      { qrId: challenge.id },
      actorOf(principal, client),
    );
    for (const wake of this.waiters.get(challenge.id) ?? []) wake();
    return presentQrRequest(challenge);
  }

  private async liveQr(code: string): Promise<ChallengeRecord> {
    const secret = code.startsWith('lockstep-qr:') ? code.slice('lockstep-qr:'.length) : code;
    const challenge = await this.store.repos.challenges.findBySecretHash(hashToken(secret));
    if (!challenge || challenge.kind !== 'qr' || challenge.expiresAt <= this.config.now()) throw invalidQr();
    if (challenge.status !== 'pending' && challenge.status !== 'scanned') throw invalidQr();
    return challenge;
  }

  /** A waiting login's public facts (for a 202 that repeats them); VERIFICATION_EXPIRED when gone. */
  async pendingLogin(id: string): Promise<Omit<PendingLogin, 'waitToken'>> {
    const challenge = await this.store.repos.challenges.get(id);
    if (!challenge || challenge.kind !== 'login' || challenge.status !== 'pending')
      throw verificationExpired();
    return {
      id,
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      reason: challenge.data.reason === 'too_many_devices' ? 'too_many_devices' : 'new_device',
    };
  }

  /** Where a QR login stands, for the waiting device: waiting for a scan, scanned, or gone. */
  async qrStatus(id: string): Promise<{ id: string; status: 'pending' | 'scanned'; expiresAt: string }> {
    const challenge = await this.store.repos.challenges.get(id);
    if (
      !challenge ||
      challenge.kind !== 'qr' ||
      (challenge.status !== 'pending' && challenge.status !== 'scanned')
    )
      throw verificationExpired();
    return { id, status: challenge.status, expiresAt: new Date(challenge.expiresAt).toISOString() };
  }

  /** Logins waiting for their link, by challenge id. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private closing = false;

  /** Lets waiting logins answer "still pending" at once, so the server can stop. */
  close(): void {
    this.closing = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  private async verificationReason(
    accountId: number,
    deviceId: string,
  ): Promise<PendingLogin['reason'] | null> {
    const repos = this.store.repos;
    if (this.config.newDeviceVerification && (await this.isNewDevice(repos, accountId, deviceId)))
      return 'new_device';
    const online = (await this.auth.listSessions(accountId)).length;
    return online >= this.config.onlineDevicesMax ? 'too_many_devices' : null;
  }

  // ---- Security alerts (A9) ----

  /** Alerts nobody has answered yet, for devices that were offline when they were raised. */
  async openAlerts(accountId: number, repos: Repositories = this.store.repos): Promise<SecurityAlertView[]> {
    const alerts = await repos.challenges.listOpen(accountId, 'alert', this.config.now());
    return alerts.map(presentAlert);
  }

  /** "It was me": the alert is closed on every device. */
  async confirmAlert(
    principal: Principal,
    alertId: string,
    client: ClientContext,
  ): Promise<SecurityAlertView> {
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      const alert = await this.answerable(repos, principal, alertId);
      if (!(await repos.challenges.decide(alert.id, 'pending', 'confirmed', now))) throw alreadyAnswered();
      await this.log(repos, ownerOf(alert), 'alert_confirmed', { alertId }, actorOf(principal, client));
      const view = presentAlert({ ...alert, status: 'confirmed', decidedAt: now });
      emit<SecurityAlertEvent>(ownerOf(alert), 'security.alert', { alert: view });
      return view;
    });
  }

  /**
   * "Not me": every session and every API key of the account is signed out at once, login is
   * locked, and a password-reset link goes to the owner's email. Login stays refused until the
   * password is changed through that link.
   */
  async denyAlert(principal: Principal, alertId: string, client: ClientContext): Promise<SecurityAlertView> {
    const accountId = principal.account.id;
    const now = this.config.now();
    const token = newToken('lnk');
    const actor = actorOf(principal, client);
    const { result } = await this.auth.changeAndRevoke(accountId, null, 'not_me', async (repos, emit) => {
      const alert = await this.answerable(repos, principal, alertId);
      if (!(await repos.challenges.decide(alert.id, 'pending', 'denied', now))) throw alreadyAnswered();
      await this.onLockOut(repos, emit, accountId, now);
      // Logins still waiting for a link or a QR confirmation die with the lock, and the denied
      // device is a stranger again.
      await this.endWaitingLogins(repos, accountId, now);
      if (typeof alert.data.deviceId === 'string')
        await repos.security.forgetDevice(accountId, alert.data.deviceId);
      await repos.security.update(accountId, { loginLockedAt: now, loginLockReason: 'not_me' }, now);
      await repos.challenges.expireOpen(accountId, 'password_reset', now);
      await repos.challenges.insert({
        id: newId('rst'),
        kind: 'password_reset',
        accountId,
        secretHash: hashToken(token),
        waitHash: null,
        status: 'pending',
        data: { reason: 'not_me' },
        createdAt: now,
        expiresAt: now + resetLinkLifetimeMs,
        decidedAt: null,
      });
      await this.log(repos, accountId, 'alert_denied', { alertId, sessionId: alert.data.sessionId }, actor);
      await this.log(repos, accountId, 'account_locked', { reason: 'not_me' }, actor);
      const view = presentAlert({ ...alert, status: 'denied', decidedAt: now });
      emit<SecurityAlertEvent>(accountId, 'security.alert', { alert: view });
      return view;
    });
    this.notify(
      accountId,
      principal.account.email,
      'Your Lockstep account is locked: reset your password',
      [
        'A login to your account was reported as "Not me". Every device and every API key was signed out, and login is locked until you choose a new password.',
        `The link below works once, for ${Math.round(resetLinkLifetimeMs / 60_000)} minutes.`,
      ],
      { label: 'Choose a new password', url: `${this.publicUrl()}/reset-password#token=${token}` },
    );
    return result;
  }

  /**
   * Sets a new password from an emailed reset link (single-use, expiring): unlocks login, ends
   * every session, holds withdrawals for 24 hours.
   */
  async resetPassword(input: { token: string; newPassword: string }, client: ClientContext): Promise<void> {
    const now = this.config.now();
    const challenge = await this.store.repos.challenges.findBySecretHash(hashToken(input.token));
    if (
      !challenge ||
      challenge.kind !== 'password_reset' ||
      challenge.status !== 'pending' ||
      challenge.expiresAt <= now
    ) {
      throw invalidLink('token');
    }
    const account = await this.store.repos.accounts.findById(ownerOf(challenge));
    if (!account) throw invalidLink('token');
    const passwordHash = await this.auth.newPasswordHash(account, input.newPassword);
    const actor = { sessionId: null, ip: client.ip, userAgent: clampUserAgent(client.userAgent) };
    await this.auth.changeAndRevoke(account.id, null, 'password_changed', async (repos, emit) => {
      // The guarded move makes the link single-use even when two requests race with it.
      if (!(await repos.challenges.decide(challenge.id, 'pending', 'used', now))) throw invalidLink('token');
      await repos.challenges.expireOpen(account.id, 'password_reset', now);
      await this.endWaitingLogins(repos, account.id, now);
      await repos.accounts.setPasswordHash(account.id, passwordHash);
      await repos.security.update(account.id, { loginLockedAt: null, loginLockReason: null }, now);
      await this.log(repos, account.id, 'password_reset', {}, actor);
      await this.log(repos, account.id, 'account_unlocked', {}, actor);
      const security = await repos.security.get(account.id);
      await this.hold(
        repos,
        emit,
        security,
        now + this.config.securityChangeHoldMs,
        'password_changed',
        actor,
      );
    });
    this.notify(account.id, account.email, 'Your Lockstep password was reset', [
      'The password of your Lockstep account was reset from the emailed link, and login works again. Withdrawals are held for 24 hours.',
      'If you did not do this, contact support at once.',
    ]);
  }

  /**
   * The alert, if this session may answer it: it must be the account's, still open, and about
   * another device that logged in after this session did — the device in question (or one that
   * logged in even later) must never vouch for itself.
   */
  private async answerable(
    repos: Repositories,
    principal: Principal,
    alertId: string,
  ): Promise<ChallengeRecord> {
    const alert = await repos.challenges.get(alertId);
    if (!alert || alert.kind !== 'alert' || alert.accountId !== principal.account.id) {
      throw new LockstepError('UNKNOWN_ALERT', `id: no security alert ${alertId}`, { field: 'id' });
    }
    if (alert.status !== 'pending' || alert.expiresAt <= this.config.now()) throw alreadyAnswered();
    if (alert.data.sessionId === principal.session.id || principal.session.createdAt > alert.createdAt) {
      throw new LockstepError(
        'ALERT_NOT_ANSWERABLE_HERE',
        'this alert is about this device (or one that logged in after it); answer it on another device',
      );
    }
    return alert;
  }

  private async endWaitingLogins(repos: Repositories, accountId: number, at: number): Promise<void> {
    await repos.challenges.expireOpen(accountId, 'login', at);
    await repos.challenges.expireOpen(accountId, 'qr', at);
    // Waiting devices re-read their challenge and learn it ended (after the commit, on their timer).
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  /**
   * A device whose new-device alert is still open cannot change security settings (nor step up
   * for a withdrawal or an API key): someone holding only the password must not be able to turn
   * on their own 2FA or change the password and so sign the owner out before the owner answers.
   */
  private async assertConfirmedDevice(principal: Principal): Promise<void> {
    const open = await this.store.repos.challenges.listOpen(principal.account.id, 'alert', this.config.now());
    if (open.some((alert) => alert.data.sessionId === principal.session.id)) {
      throw new LockstepError(
        'DEVICE_NOT_CONFIRMED',
        'this device logged in recently and another device has not answered its alert yet; answer "It was me" there first',
      );
    }
  }

  /** Set by the server: what else "Not me" ends (the account's API keys), inside its transaction. */
  onLockOut: (repos: Repositories, emit: Emit, accountId: number, at: number) => Promise<void> = () =>
    Promise.resolve();

  /** The base URL of links in emails: the configured public URL, else the address the server listens on. */
  publicUrl: () => string = () => 'http://127.0.0.1:8080';

  // ---- Human verification (A2) ----

  /** A fresh proof-of-work challenge for a login that the server asked to prove a human is there. */
  humanChallenge(): ReturnType<HumanCheck['challenge']> {
    return this.human.challenge();
  }

  /**
   * Risky logins must carry a solved proof-of-work, checked before the password is looked at or
   * the attempt counted: after failed attempts on the email (2+) or from the address (3+), and
   * from a device the account has never used. Each challenge works once.
   */
  async checkHuman(email: string, input: LoginInput, client: ClientContext): Promise<void> {
    if (!this.config.humanVerification) return;
    if (!(await this.loginLooksRisky(email, input.deviceId, client.ip))) return;
    if (input.humanProof === undefined) {
      throw new LockstepError(
        'HUMAN_VERIFICATION_REQUIRED',
        'humanProof: solve the proof-of-work of GET /v1/auth/human-challenge and send it with the login',
        { field: 'humanProof', details: { challengeUrl: '/v1/auth/human-challenge' } },
      );
    }
    const solved = await this.human.verify(input.humanProof);
    const now = this.config.now();
    // Recording the solved challenge under a unique key makes it single-use, also across processes.
    const fresh =
      solved !== null &&
      (await this.store.repos.challenges
        .insert({
          id: newId('pow'),
          kind: 'human',
          accountId: null,
          secretHash: hashToken(`human:${solved}`),
          waitHash: null,
          status: 'used',
          data: {},
          createdAt: now,
          expiresAt: now,
          decidedAt: now,
        })
        .then(
          () => true,
          () => false,
        ));
    if (!fresh) {
      throw new LockstepError(
        'HUMAN_VERIFICATION_FAILED',
        'humanProof: the proof-of-work is wrong, expired or was already used; solve a new challenge',
        { field: 'humanProof' },
      );
    }
  }

  private async loginLooksRisky(email: string, deviceId: string | undefined, ip: string): Promise<boolean> {
    const repos = this.store.repos;
    const now = this.config.now();
    const failures = async (key: string): Promise<number> => {
      const record = await repos.throttle.get(key);
      return record && now - record.windowStartedAt < this.config.throttle.windowMs ? record.failures : 0;
    };
    if ((await failures(emailThrottleKey(email))) >= 2 || (await failures(ipThrottleKey(ip))) >= 3)
      return true;
    const account = await repos.accounts.findByEmail(email);
    return account !== undefined && this.isNewDevice(repos, account.id, deviceId);
  }

  // ---- Login locks (A7) ----

  /** Too many failed logins locked the email: the owner gets a single-use link that lifts the lock. */
  async onLoginLocked(account: AccountRecord, client: ClientContext): Promise<void> {
    const now = this.config.now();
    const token = newToken('lnk');
    await this.store.repos.challenges.expireOpen(account.id, 'unlock', now);
    await this.store.repos.challenges.insert({
      id: newId('ulk'),
      kind: 'unlock',
      accountId: account.id,
      secretHash: hashToken(token),
      waitHash: null,
      status: 'pending',
      data: { ip: client.ip },
      createdAt: now,
      expiresAt: now + resetLinkLifetimeMs,
      decidedAt: null,
    });
    await this.log(
      this.store.repos,
      account.id,
      'login_locked',
      { reason: 'failed_attempts' },
      {
        sessionId: null,
        ip: client.ip,
        userAgent: clampUserAgent(client.userAgent),
      },
    );
    this.notify(
      account.id,
      account.email,
      'Login to your Lockstep account is locked',
      [
        `After too many failed attempts (the last from ${client.ip} at ${new Date(now).toISOString()}), logging in to your account is locked for a while.`,
        'If it was you, open the link below to unlock at once. If it was not you, someone is guessing your password: after unlocking, change it.',
      ],
      { label: 'Unlock login', url: `${this.publicUrl()}/unlock-login#token=${token}` },
    );
  }

  /** Opens an emailed unlock link (single-use, one hour): the failed-login lock is lifted. */
  async unlockFromLink(token: string, client: ClientContext): Promise<void> {
    const now = this.config.now();
    const challenge = await this.store.repos.challenges.findBySecretHash(hashToken(token));
    if (
      !challenge ||
      challenge.kind !== 'unlock' ||
      challenge.status !== 'pending' ||
      challenge.expiresAt <= now
    )
      throw invalidLink('token');
    if (!(await this.store.repos.challenges.decide(challenge.id, 'pending', 'used', now)))
      throw invalidLink('token');
    const account = await this.store.repos.accounts.findById(ownerOf(challenge));
    if (!account) throw invalidLink('token');
    await this.auth.clearLoginLock(account.email);
    await this.log(
      this.store.repos,
      account.id,
      'login_unlocked',
      { by: 'email_link' },
      {
        sessionId: null,
        ip: client.ip,
        userAgent: clampUserAgent(client.userAgent),
      },
    );
  }

  /**
   * An operator lifts the failed-login lock (`lockstep admin unlock`). A "Not me" lock stays: only
   * a new password from the emailed reset link lifts it, so the intruder's password stops working.
   */
  async unlockByOperator(email: string): Promise<{ email: string; passwordResetRequired: boolean }> {
    const account = await this.store.repos.accounts.findByEmail(email.trim().toLowerCase());
    if (!account)
      throw new LockstepError('VALIDATION_FAILED', 'email: no account has this email', { field: 'email' });
    await this.auth.clearLoginLock(account.email);
    await this.log(this.store.repos, account.id, 'login_unlocked', { by: 'operator' });
    const security = await this.store.repos.security.get(account.id);
    return { email: account.email, passwordResetRequired: security.loginLockedAt !== null };
  }

  // ---- Step-up (A5) ----

  /**
   * Re-authentication for sensitive actions: the password, plus a second-factor code when 2FA is
   * on. The session gets a new token, and sensitive actions are allowed for `stepUpWindowMs`.
   */
  async stepUp(
    principal: Principal,
    input: { password: string; code?: string },
    client: ClientContext,
  ): Promise<{ stepUpUntil: string; token: string; csrfToken: string | null }> {
    const accountId = principal.account.id;
    const actor = actorOf(principal, client);
    await this.reauthenticate(principal, input, client, 'code');
    const now = this.config.now();
    await this.store.transaction(async (repos) => {
      await repos.security.setStepUp(principal.session.id, now);
      await this.log(repos, accountId, 'step_up', {}, actor);
    });
    const { token, csrfToken } = await this.auth.rotateToken(principal);
    return { stepUpUntil: new Date(now + this.config.stepUpWindowMs).toISOString(), token, csrfToken };
  }

  /** Refuses with STEP_UP_REQUIRED unless the session re-authenticated within the window. */
  async requireStepUp(principal: Principal): Promise<void> {
    await this.assertConfirmedDevice(principal);
    const at = await this.store.repos.security.stepUpAt(principal.session.id);
    const now = this.config.now();
    if (at === null || now - at > this.config.stepUpWindowMs) {
      throw new LockstepError(
        'STEP_UP_REQUIRED',
        `confirm it is you first: POST /v1/auth/step-up with your password (valid ${Math.round(this.config.stepUpWindowMs / 60_000)} minutes)`,
      );
    }
  }

  // ---- Withdrawals (A5, A10) ----

  /**
   * The withdrawal seam: a recent step-up and no hold. A request signed with an API key cannot
   * step up; the key's `withdraw` permission and its mandatory IP whitelist (A13) stand in for the
   * step-up, but holds apply to keys as to sessions.
   */
  async assertWithdrawalAllowed(principal: Principal): Promise<void> {
    if (principal.apiKey === undefined) await this.requireStepUp(principal);
    else if (!principal.apiKey.permissions.includes('withdraw'))
      throw new LockstepError('API_KEY_PERMISSION_DENIED', 'this API key may not withdraw');
    const security = await this.store.repos.security.get(principal.account.id);
    const now = this.config.now();
    if (security.withdrawalHoldUntil > now) {
      const until = new Date(security.withdrawalHoldUntil).toISOString();
      throw new LockstepError(
        'WITHDRAWAL_HELD',
        `withdrawals are held until ${until} (${describeHold(security.withdrawalHoldReason)})`,
        { details: { holdUntil: until, reason: security.withdrawalHoldReason } },
      );
    }
  }

  // ---- 2FA (A11) ----

  async beginTotp(principal: Principal): Promise<TotpSetupView> {
    await this.requireStepUp(principal);
    const accountId = principal.account.id;
    const security = await this.store.repos.security.get(accountId);
    if (security.totpSecret !== null)
      throw new LockstepError('TWO_FACTOR_ALREADY_ENABLED', '2FA is already on; disable it first');
    const secret = newTotpSecret();
    const now = this.config.now();
    await this.store.repos.security.update(
      accountId,
      { totpPendingSecret: this.box.seal(secret), totpPendingAt: now },
      now,
    );
    const uri = otpauthUri(principal.account.email, secret);
    return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
  }

  /**
   * Confirms a setup with its first code: 2FA is on, ten recovery codes are issued (shown once,
   * stored hashed), other sessions are signed out and withdrawals held for 24 hours.
   */
  async enableTotp(principal: Principal, code: string, client: ClientContext): Promise<RecoveryCodesView> {
    await this.requireStepUp(principal);
    const accountId = principal.account.id;
    const codes = newRecoveryCodes();
    const security = await this.credentialChange(
      principal,
      client,
      {
        revokeReason: 'two_factor_changed',
        logKind: 'two_factor_enabled',
        subject: 'Two-factor authentication is on',
        paragraphs: [
          'Two-factor authentication was turned on for your Lockstep account. Every other device was signed out, and withdrawals are held for 24 hours.',
          'If you did not do this, contact support at once.',
        ],
      },
      async (repos, now) => {
        const current = await repos.security.get(accountId);
        if (current.totpSecret !== null)
          throw new LockstepError('TWO_FACTOR_ALREADY_ENABLED', '2FA is already on; disable it first');
        if (
          current.totpPendingSecret === null ||
          current.totpPendingAt === null ||
          now - current.totpPendingAt > totpSetupTtlMs
        ) {
          throw new LockstepError(
            'TWO_FACTOR_SETUP_MISSING',
            'start the 2FA setup again (POST /v1/security/2fa/setup)',
          );
        }
        const step = totpStep(this.box.unseal(current.totpPendingSecret), code, now);
        if (step === null)
          throw new LockstepError('INVALID_TWO_FACTOR_CODE', 'code: the code does not match the new secret', {
            field: 'code',
          });
        await repos.security.update(
          accountId,
          {
            totpSecret: current.totpPendingSecret,
            totpPendingSecret: null,
            totpPendingAt: null,
            totpEnabledAt: now,
            totpLastStep: step,
          },
          now,
        );
        await repos.security.replaceRecoveryCodes(accountId, codes.map(hashRecoveryCode), now);
      },
    );
    return { recoveryCodes: codes, security };
  }

  /** Turns 2FA off with a current code (or a recovery code) after a step-up. */
  async disableTotp(principal: Principal, code: string, client: ClientContext): Promise<SecurityView> {
    await this.requireStepUp(principal);
    const accountId = principal.account.id;
    return this.credentialChange(
      principal,
      client,
      {
        revokeReason: 'two_factor_changed',
        logKind: 'two_factor_disabled',
        subject: 'Two-factor authentication is off',
        paragraphs: [
          'Two-factor authentication was turned off for your Lockstep account. Every other device was signed out, and withdrawals are held for 24 hours.',
          'If you did not do this, change your password and contact support at once.',
        ],
      },
      async (repos, now) => {
        const current = await repos.security.get(accountId);
        if (current.totpSecret === null) throw new LockstepError('TWO_FACTOR_NOT_ENABLED', '2FA is not on');
        if ((await this.useSecondFactor(repos, current, code)) === null)
          throw new LockstepError('INVALID_TWO_FACTOR_CODE', 'code: the code is wrong or already used', {
            field: 'code',
          });
        await repos.security.update(
          accountId,
          { totpSecret: null, totpEnabledAt: null, totpPendingSecret: null, totpPendingAt: null },
          now,
        );
        await repos.security.deleteRecoveryCodes(accountId);
      },
    );
  }

  // ---- Password, anti-phishing code, policy ----

  /**
   * Changes the password: the current one (and a 2FA code when on) confirms it; every other
   * session is signed out and withdrawals are held for 24 hours (A10).
   */
  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string; code?: string },
    client: ClientContext,
  ): Promise<SecurityView> {
    const accountId = principal.account.id;
    await this.assertConfirmedDevice(principal);
    await this.reauthenticate(
      principal,
      { password: input.currentPassword, code: input.code },
      client,
      'code',
      'currentPassword',
    );
    const passwordHash = await this.auth.newPasswordHash(principal.account, input.newPassword);
    return this.credentialChange(
      principal,
      client,
      {
        revokeReason: 'password_changed',
        logKind: 'password_changed',
        subject: 'Your Lockstep password was changed',
        paragraphs: [
          'The password of your Lockstep account was changed. Every other device was signed out, and withdrawals are held for 24 hours.',
          'If you did not do this, reset your password and contact support at once.',
        ],
      },
      async (repos, now) => {
        await repos.accounts.setPasswordHash(accountId, passwordHash);
        // An attempt made with the old password must not complete after the change.
        await this.endWaitingLogins(repos, accountId, now);
      },
    );
  }

  /**
   * A change of how the account authenticates (2FA, password): in one transaction with the
   * change, every other session is signed out (ASVS 3.3.3), the change is logged and withdrawals
   * are held for 24 hours (A10); the owner is emailed after the commit.
   */
  private async credentialChange(
    principal: Principal,
    client: ClientContext,
    what: { revokeReason: RevokeReason; logKind: string; subject: string; paragraphs: string[] },
    change: (repos: Repositories, now: number) => Promise<void>,
  ): Promise<SecurityView> {
    const accountId = principal.account.id;
    const now = this.config.now();
    const actor = actorOf(principal, client);
    const { result } = await this.auth.changeAndRevokeOthers(
      principal,
      what.revokeReason,
      async (repos, emit) => {
        await change(repos, now);
        await this.log(repos, accountId, what.logKind, {}, actor);
        const security = await repos.security.get(accountId);
        // The hold's reason names the change, as the revocation's does.
        return this.hold(
          repos,
          emit,
          security,
          now + this.config.securityChangeHoldMs,
          what.revokeReason,
          actor,
        );
      },
    );
    this.notify(accountId, principal.account.email, what.subject, what.paragraphs);
    return result;
  }

  async setAntiPhishingCode(
    principal: Principal,
    code: string,
    client: ClientContext,
  ): Promise<SecurityView> {
    await this.requireStepUp(principal);
    return this.change(principal, client, 'anti_phishing_code_set', {}, { antiPhishingCode: code });
  }

  async setPolicy(
    principal: Principal,
    policy: { newDeviceWithdrawalHold: boolean },
    client: ClientContext,
  ): Promise<SecurityView> {
    await this.requireStepUp(principal);
    return this.change(principal, client, 'policy_changed', policy, {
      newDeviceHold: policy.newDeviceWithdrawalHold,
    });
  }

  async securityLog(accountId: number, limit: number, before?: number): Promise<SecurityLogPage> {
    const rows = await this.store.repos.securityLog.page(accountId, before, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map((e) => ({
        id: e.id,
        kind: e.kind,
        detail: e.detail,
        sessionId: e.sessionId,
        ip: e.ip,
        userAgent: e.userAgent,
        at: new Date(e.createdAt).toISOString(),
      })),
      nextBefore: rows.length > limit && last ? last.id : null,
    };
  }

  // ---- Internals ----

  private async change(
    principal: Principal,
    client: ClientContext,
    kind: string,
    detail: Record<string, unknown>,
    patch: Partial<Omit<SecurityRecord, 'accountId'>>,
  ): Promise<SecurityView> {
    const accountId = principal.account.id;
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      await repos.security.update(accountId, patch, now);
      await this.log(repos, accountId, kind, detail, actorOf(principal, client));
      const view = this.present(repos, await repos.security.get(accountId));
      emit<SecurityUpdatedEvent>(accountId, 'security.updated', { security: await view });
      return view;
    });
  }

  /** Password plus (with 2FA on) a code; throws REAUTH_FAILED naming the wrong field. */
  private async reauthenticate(
    principal: Principal,
    input: { password: string; code?: string },
    client: ClientContext,
    codeField: string,
    passwordField = 'password',
  ): Promise<void> {
    const accountId = principal.account.id;
    const actor = actorOf(principal, client);
    if (!(await this.auth.reauthenticate(principal, input.password, client))) {
      await this.log(this.store.repos, accountId, 'step_up_failed', { reason: 'password' }, actor);
      throw new LockstepError('REAUTH_FAILED', `${passwordField}: the password is wrong`, {
        field: passwordField,
      });
    }
    const security = await this.store.repos.security.get(accountId);
    if (security.totpSecret === null) {
      await this.auth.reauthenticated(principal, client);
      return;
    }
    const used =
      input.code === undefined ? null : await this.useSecondFactor(this.store.repos, security, input.code);
    if (used === null) {
      await this.log(this.store.repos, accountId, 'step_up_failed', { reason: 'two_factor' }, actor);
      throw new LockstepError(
        'REAUTH_FAILED',
        input.code === undefined
          ? `${codeField}: 2FA is on; send an authenticator or recovery code too`
          : `${codeField}: the 2FA code is wrong or already used`,
        { field: codeField },
      );
    }
    if (used === 'recovery') await this.recoveryCodeUsed(accountId, actor);
    await this.auth.reauthenticated(principal, client);
  }

  /**
   * Spends a second-factor code: a TOTP code of a step later than any used before (recorded in
   * one statement, so racing submissions of one code cannot both pass), or an unused recovery
   * code. Null when neither.
   */
  private async useSecondFactor(
    repos: Repositories,
    security: SecurityRecord,
    code: string,
  ): Promise<'totp' | 'recovery' | null> {
    if (security.totpSecret === null) return null;
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      const step = totpStep(this.box.unseal(security.totpSecret), trimmed, this.config.now());
      if (step === null) return null;
      return (await repos.security.consumeTotpStep(security.accountId, step)) ? 'totp' : null;
    }
    const used = await repos.security.useRecoveryCode(
      security.accountId,
      hashRecoveryCode(trimmed),
      this.config.now(),
    );
    return used ? 'recovery' : null;
  }

  /** Extends the withdrawal hold to `until` (never shortens it) and tells every device. */
  private async hold(
    repos: Repositories,
    emit: Emit,
    security: SecurityRecord,
    until: number,
    reason: string,
    actor: Actor,
  ): Promise<SecurityView> {
    const accountId = security.accountId;
    if (until > security.withdrawalHoldUntil) {
      await repos.security.update(
        accountId,
        { withdrawalHoldUntil: until, withdrawalHoldReason: reason },
        this.config.now(),
      );
      await this.log(
        repos,
        accountId,
        'withdrawal_hold',
        { until: new Date(until).toISOString(), reason },
        actor,
      );
    }
    const view = await this.present(repos, await repos.security.get(accountId));
    emit<SecurityUpdatedEvent>(accountId, 'security.updated', { security: view });
    return view;
  }

  /**
   * Whether a login from this device is a new device's: one the account has not used, when it has
   * used others. The first device an account ever uses is how it was opened, not a worry.
   */
  private async isNewDevice(
    repos: Repositories,
    accountId: number,
    deviceId: string | undefined,
  ): Promise<boolean> {
    if ((await repos.security.knownDeviceCount(accountId)) === 0) return false;
    return deviceId === undefined || !(await repos.security.isKnownDevice(accountId, deviceId));
  }

  private async present(repos: Repositories, security: SecurityRecord): Promise<SecurityView> {
    const now = this.config.now();
    const held = security.withdrawalHoldUntil > now;
    return {
      twoFactorEnabled: security.totpSecret !== null,
      recoveryCodesLeft:
        security.totpSecret === null ? 0 : await repos.security.unusedRecoveryCodes(security.accountId),
      antiPhishingCode: security.antiPhishingCode,
      newDeviceWithdrawalHold: security.newDeviceHold,
      withdrawalHoldUntil: held ? new Date(security.withdrawalHoldUntil).toISOString() : null,
      withdrawalHoldReason: held ? security.withdrawalHoldReason : null,
    };
  }

  private async log(
    repos: Repositories,
    accountId: number,
    kind: string,
    detail: Record<string, unknown>,
    actor: Actor = nobody,
  ): Promise<void> {
    await repos.securityLog.insert({ accountId, kind, detail, ...actor, createdAt: this.config.now() });
  }

  /** Sends a security email with the account's anti-phishing code; a mail failure never undoes the change. */
  private notify(
    accountId: number,
    to: string,
    subject: string,
    paragraphs: string[],
    action?: { label: string; url: string },
  ): void {
    void (async () => {
      const security = await this.store.repos.security.get(accountId);
      await this.mailer.send(
        composeSecurityMail({
          to,
          subject,
          antiPhishingCode: security.antiPhishingCode,
          paragraphs,
          ...(action ? { action } : {}),
        }),
      );
    })().catch((error: unknown) => this.onMailError(error));
  }

  /** Set by the server to log mail failures. */
  onMailError: (error: unknown) => void = () => undefined;
}

const holdReasons: Record<string, string> = {
  new_device_login: 'a login from a new device',
  password_changed: 'a password change',
  two_factor_changed: 'a 2FA change',
};

function presentAlert(alert: ChallengeRecord): SecurityAlertView {
  const text = (key: string): string => {
    const value = alert.data[key];
    return typeof value === 'string' ? value : '';
  };
  return {
    id: alert.id,
    status: alert.status === 'confirmed' || alert.status === 'denied' ? alert.status : 'pending',
    sessionId: text('sessionId'),
    platform: text('platform'),
    deviceName: text('deviceName'),
    ip: text('ip'),
    userAgent: text('userAgent'),
    at: new Date(alert.createdAt).toISOString(),
  };
}

function alreadyAnswered(): LockstepError {
  return new LockstepError('ALERT_ALREADY_ANSWERED', 'this security alert was already answered');
}

/** A string field of a challenge's stored data ('' when it is missing or not a string). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The account a challenge belongs to (every kind but an unscanned QR code has one). */
function ownerOf(challenge: ChallengeRecord): number {
  if (challenge.accountId === null) throw new Error(`challenge ${challenge.id} has no account`);
  return challenge.accountId;
}

function presentQrRequest(challenge: ChallengeRecord): QrRequestView {
  const attempt = challenge.data.attempt as VerifiedLoginInput;
  const userAgent = textOf(challenge.data.userAgent);
  return {
    platform: attempt.platform,
    deviceName: attempt.deviceName ?? deviceNameFor(undefined, userAgent),
    browser: describeBrowser(userAgent),
    ip: textOf(challenge.data.ip),
    at: new Date(challenge.createdAt).toISOString(),
    expiresAt: new Date(challenge.expiresAt).toISOString(),
  };
}

function invalidQr(): LockstepError {
  return new LockstepError('QR_CODE_INVALID', 'code: the QR code is unknown, already used or expired', {
    field: 'code',
  });
}

function verificationExpired(): LockstepError {
  return new LockstepError(
    'VERIFICATION_EXPIRED',
    'this login verification is unknown, expired or already used; log in again',
  );
}

function invalidLink(field: string): LockstepError {
  return new LockstepError('INVALID_LINK', `${field}: the link is unknown, already used or expired`, {
    field,
  });
}

function describeHold(reason: string | null): string {
  return (reason !== null ? holdReasons[reason] : undefined) ?? 'a security change';
}
