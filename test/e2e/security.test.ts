import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { generateSync } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepApiError, LockstepClient, type AccountConnection } from '@lockstep/sdk';
import { readAdminToken, readMailbox } from '@lockstep/server';
import {
  ManualClock,
  backends,
  clientFor,
  registerAccount,
  startTestServer,
  strongPassword,
  type TestServer,
} from '../support/server.ts';
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { codeOf, fund } from '../support/trading.ts';

const minute = 60_000;
const hour = 60 * minute;

/** The code an authenticator app shows for `secret` at the server's clock. */
function authenticator(secret: string, clock: ManualClock): string {
  return generateSync({ secret, epoch: Math.floor(clock.now() / 1000) });
}

/** Opens a device's live stream and waits until it is subscribed. */
async function online(client: LockstepClient): Promise<AccountConnection> {
  const connection = client.connect();
  await connection.next('hello');
  return connection;
}

describe.each(backends)('account security (%s)', (backend) => {
  let server: TestServer;
  let smtp: SmtpSink;
  let clock: ManualClock;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({ backend, now: clock.now, smtpUrl: smtp.url });
  });
  afterEach(async () => {
    await server.dispose();
    await smtp.close();
  });

  /** A fresh account and its first device (a fixed device id, as a real app keeps one). */
  async function firstDevice(deviceId = 'device-browser-1') {
    const account = await registerAccount(server);
    const client = clientFor(server);
    await client.login({ ...account, platform: 'web', deviceId });
    return { account, client };
  }

  async function login(
    account: { email: string; password: string },
    platform: 'web' | 'ios' | 'android' | 'desktop' | 'ipad',
    deviceId: string,
    twoFactorCode?: string,
  ): Promise<LockstepClient> {
    const client = clientFor(server);
    await client.login({ ...account, platform, deviceId, ...(twoFactorCode ? { twoFactorCode } : {}) });
    return client;
  }

  /** Turns 2FA on for the client's account; returns the secret and the recovery codes. */
  async function enableTwoFactor(client: LockstepClient, code?: string) {
    await client.stepUp({ password: strongPassword, ...(code ? { code } : {}) });
    const setup = await client.beginTwoFactor();
    const { recoveryCodes, security } = await client.enableTwoFactor(authenticator(setup.secret, clock));
    // Later codes must come from a later time step: the first one is spent.
    clock.advance(30_000);
    return { secret: setup.secret, setup, recoveryCodes, security };
  }

  it('sensitive actions need a recent step-up, which rotates the token', async () => {
    const { account, client } = await firstDevice();
    // Every login of even the same device gets a token of its own.
    const again = await login(account, 'web', 'device-browser-1');
    expect(again.credential).toMatch(/^lss_[A-Za-z0-9_-]{43}$/);
    expect(again.credential).not.toBe(client.credential);
    expect(await codeOf(client.beginTwoFactor())).toBe('403 STEP_UP_REQUIRED');
    expect(await codeOf(client.setAntiPhishingCode('blue otter'))).toBe('403 STEP_UP_REQUIRED');
    expect(await codeOf(client.stepUp({ password: 'not-the-password-at-all' }))).toBe(
      '403 REAUTH_FAILED password',
    );
    const stale = new LockstepClient({ baseUrl: server.url, token: client.credential! });
    const { stepUpUntil } = await client.stepUp({ password: strongPassword });
    expect(Date.parse(stepUpUntil)).toBe(clock.now() + 5 * minute);
    // The token from before the step-up no longer works; the client moved to the new one.
    expect(await codeOf(stale.me())).toBe('401 SESSION_INVALID');
    expect((await client.me()).account.email).toContain('@');
    expect((await client.setAntiPhishingCode('blue otter')).security.antiPhishingCode).toBe('blue otter');
    clock.advance(5 * minute + 1);
    expect(await codeOf(client.setAntiPhishingCode('red fox'))).toBe('403 STEP_UP_REQUIRED');
  });

  it('2FA: QR setup, a confirming code, ten recovery codes; other devices signed out and told why', async () => {
    const { account, client } = await firstDevice();
    await client.stepUp({ password: strongPassword });
    await client.setAntiPhishingCode('Mango-42');
    const phone = await login(account, 'ios', 'device-phone-1');
    const phoneSocket = await online(phone);
    const desktopSocket = await online(client);
    const revoked = phoneSocket.next('revoked');
    const securityEvent = desktopSocket.next(
      'event',
      (e) => e.type === 'security.updated' && e.data.security.twoFactorEnabled,
    );

    const { setup, recoveryCodes, security } = await enableTwoFactor(client);
    expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\/Lockstep:.+\?secret=[A-Z2-7]+&issuer=Lockstep$/);
    expect(setup.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(security).toMatchObject({ twoFactorEnabled: true, recoveryCodesLeft: 10 });
    expect((await revoked).reason).toBe('two_factor_changed');
    expect(await codeOf(phone.me())).toBe('401 SESSION_REVOKED');
    expect((await securityEvent).type).toBe('security.updated');

    const mail = await smtp.next((m) => m.subject.includes('Two-factor authentication is on'));
    expect(mail.to).toEqual([account.email]);
    expect(mail.text).toContain('Mango-42');
    expect(mail.html).toContain('Mango-42');
    desktopSocket.close();
  });

  it('login with 2FA: the code is required, works once, and racing submissions let one through', async () => {
    const { account, client } = await firstDevice();
    const { secret, recoveryCodes } = await enableTwoFactor(client);

    expect(await codeOf(login(account, 'web', 'device-web-1'))).toBe('401 TWO_FACTOR_REQUIRED twoFactorCode');
    expect(await codeOf(login(account, 'web', 'device-web-1', '000000'))).toBe(
      '401 INVALID_TWO_FACTOR_CODE twoFactorCode',
    );
    const code = authenticator(secret, clock);
    await login(account, 'web', 'device-web-1', code);
    // The same code again (a replay) is refused, even within its 30 seconds.
    expect(await codeOf(login(account, 'web', 'device-web-2', code))).toBe(
      '401 INVALID_TWO_FACTOR_CODE twoFactorCode',
    );

    clock.advance(30_000);
    const fresh = authenticator(secret, clock);
    // Three at once (the login limit of 5 per email would lock out more).
    const racing = await Promise.all(
      Array.from({ length: 3 }, (_, i) => codeOf(login(account, 'web', `device-race-${i}`, fresh))),
    );
    expect(racing.filter((r) => r === 'accepted')).toHaveLength(1);
    expect(racing.filter((r) => r === '401 INVALID_TWO_FACTOR_CODE twoFactorCode')).toHaveLength(2);

    // A recovery code works once, however it is typed; every device hears how many are left.
    const socket = await online(client);
    const left = socket.next(
      'event',
      (e) => e.type === 'security.updated' && e.data.security.recoveryCodesLeft === 9,
    );
    const recovery = recoveryCodes[3]!;
    await login(account, 'web', 'device-web-3', recovery.toLowerCase().replaceAll('-', ' '));
    expect((await left).type).toBe('security.updated');
    socket.close();
    expect(await codeOf(login(account, 'web', 'device-web-4', recovery))).toBe(
      '401 INVALID_TWO_FACTOR_CODE twoFactorCode',
    );
    expect((await client.security()).security.recoveryCodesLeft).toBe(9);

    const log = await client.securityLog({ limit: 100 });
    const kinds = log.entries.map((e) => e.kind);
    expect(kinds).toContain('two_factor_enabled');
    expect(kinds).toContain('recovery_code_used');
    expect(log.entries.filter((e) => e.kind === 'login_failed').map((e) => e.detail.reason)).toContain(
      'invalid_two_factor_code',
    );
  });

  it('disabling 2FA needs a step-up with a code and a code of its own', async () => {
    const { client } = await firstDevice();
    const { secret } = await enableTwoFactor(client);
    clock.advance(6 * minute);
    expect(await codeOf(client.disableTwoFactor(authenticator(secret, clock)))).toBe('403 STEP_UP_REQUIRED');
    expect(await codeOf(client.stepUp({ password: strongPassword }))).toBe('403 REAUTH_FAILED code');
    await client.stepUp({ password: strongPassword, code: authenticator(secret, clock) });
    // The step-up spent this step's code.
    expect(await codeOf(client.disableTwoFactor(authenticator(secret, clock)))).toBe(
      '401 INVALID_TWO_FACTOR_CODE code',
    );
    clock.advance(30_000);
    const { security } = await client.disableTwoFactor(authenticator(secret, clock));
    expect(security.twoFactorEnabled).toBe(false);
    expect(security.withdrawalHoldReason).toBe('two_factor_changed');
    await smtp.next((m) => m.subject.includes('Two-factor authentication is off'));
  });

  it('withdrawals: held 48 h after a new-device login, then allowed; the policy can turn the hold off', async () => {
    const { account, client } = await firstDevice();
    await fund(server, client, 'USDT', 1_000_00000000);
    await client.stepUp({ password: strongPassword });
    const request = { asset: 'USDT', amount: '10', address: 'ext-usdt-1' };
    expect((await client.withdraw(request)).withdrawal.status).toBe('PENDING');

    // Logging in again from the same device is no new device: no hold.
    await login(account, 'web', 'device-browser-1');
    expect(await codeOf(client.withdraw(request))).toBe('accepted');

    await login(account, 'desktop', 'device-laptop-1');
    const mail = await smtp.next((m) => m.subject.includes('New device'));
    expect(mail.text).toContain('(desktop)');
    expect(await codeOf(client.withdraw(request))).toBe('403 WITHDRAWAL_HELD');
    const held = await client.withdraw(request).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(LockstepApiError);
    const holdUntil = (held as LockstepApiError).details?.holdUntil;
    expect(holdUntil).toBe(new Date(clock.now() + 48 * hour).toISOString());
    expect((await client.security()).security).toMatchObject({
      withdrawalHoldUntil: holdUntil,
      withdrawalHoldReason: 'new_device_login',
    });

    clock.advance(48 * hour + 1);
    await client.stepUp({ password: strongPassword });
    expect(await codeOf(client.withdraw(request))).toBe('accepted');

    await client.setSecurityPolicy({ newDeviceWithdrawalHold: false });
    await login(account, 'android', 'device-android-1');
    expect(await codeOf(client.withdraw(request))).toBe('accepted');
    const kinds = (await client.securityLog()).entries.map((e) => e.kind);
    expect(kinds).toContain('withdrawal_hold');
    expect(kinds).toContain('policy_changed');
  });

  it('a password change signs out the other devices, holds withdrawals 24 h and emails the owner', async () => {
    const { account, client } = await firstDevice();
    await client.stepUp({ password: strongPassword });
    await client.setSecurityPolicy({ newDeviceWithdrawalHold: false });
    const tablet = await login(account, 'ipad', 'device-ipad-1');
    const newPassword = 'copper-Meadow-57-orbit-Falcon';
    expect(await codeOf(client.changePassword({ currentPassword: 'wrong-password-123', newPassword }))).toBe(
      '403 REAUTH_FAILED currentPassword',
    );
    expect(
      await codeOf(client.changePassword({ currentPassword: strongPassword, newPassword: 'password1234' })),
    ).toMatch(/^400 PASSWORD_(BREACHED|WEAK) newPassword$/);
    const { security } = await client.changePassword({ currentPassword: strongPassword, newPassword });
    expect(security.withdrawalHoldUntil).toBe(new Date(clock.now() + 24 * hour).toISOString());
    expect(await codeOf(tablet.me())).toBe('401 SESSION_REVOKED');
    expect((await client.me()).session.platform).toBe('web');
    expect(await codeOf(login(account, 'web', 'device-web-9'))).toBe('401 INVALID_CREDENTIALS');
    await login({ email: account.email, password: newPassword }, 'web', 'device-web-9');
    const mail = await smtp.next((m) => m.subject.includes('password was changed'));
    expect(mail.text).toContain('anti-phishing');
  });

  it('a new-device login alerts every other device; "It was me" closes the alert everywhere', async () => {
    const { account, client } = await firstDevice();
    const laptop = await login(account, 'desktop', 'device-laptop-1');
    const sockets = await Promise.all([client, laptop].map(online));
    const raised = sockets.map((c) =>
      c.next('event', (e) => e.type === 'security.alert' && e.data.alert.status === 'pending'),
    );
    const phone = await login(account, 'ios', 'device-phone-7');
    const phoneSession = (await phone.me()).session.id;
    for (const event of await Promise.all(raised)) {
      expect(event.type === 'security.alert' && event.data.alert).toMatchObject({
        status: 'pending',
        sessionId: phoneSession,
        platform: 'ios',
        ip: '127.0.0.1',
      });
    }
    const { alerts } = await client.securityAlerts();
    expect(alerts.map((a) => a.sessionId)).toContain(phoneSession);
    const alertId = alerts.find((a) => a.sessionId === phoneSession)!.id;

    const closed = sockets[1]!.next(
      'event',
      (e) => e.type === 'security.alert' && e.data.alert.status === 'confirmed',
    );
    expect((await client.confirmAlert(alertId)).alert.status).toBe('confirmed');
    expect((await closed).type).toBe('security.alert');
    expect(await codeOf(laptop.denyAlert(alertId))).toBe('409 ALERT_ALREADY_ANSWERED');
    expect(await codeOf(laptop.confirmAlert('alr_nope'))).toBe('404 UNKNOWN_ALERT id');
    expect((await client.securityAlerts()).alerts.map((a) => a.id)).not.toContain(alertId);
    sockets.forEach((c) => c.close());
  });

  it('"Not me" signs every device out, locks login, and the emailed reset link (single-use) unlocks it', async () => {
    const { account, client } = await firstDevice();
    await client.stepUp({ password: strongPassword });
    await client.setAntiPhishingCode('Kiwi-7');
    const created = await client.createApiKey({ label: 'bot', type: 'HMAC_SHA256', permissions: ['read'] });
    const bot = new LockstepClient({
      baseUrl: server.url,
      apiKey: { key: created.key, secret: created.secret! },
      now: clock.now,
    });
    expect((await bot.me()).account.email).toBe(account.email);
    const laptop = await login(account, 'desktop', 'device-laptop-2');
    const intruder = await login(account, 'android', 'device-intruder');
    const sockets = await Promise.all([client, laptop, intruder].map(online));
    const revoked = sockets.map((c) => c.next('revoked'));
    const alert = (await client.securityAlerts()).alerts.find((a) => a.platform === 'android')!;

    expect((await laptop.denyAlert(alert.id)).alert.status).toBe('denied');
    expect((await Promise.all(revoked)).map((r) => r.reason)).toEqual(['not_me', 'not_me', 'not_me']);
    for (const device of [client, intruder]) expect(await codeOf(device.me())).toBe('401 SESSION_REVOKED');
    // Every API key went with the sessions.
    expect(await codeOf(bot.me())).toBe('401 API_KEY_INVALID');
    expect(await codeOf(login(account, 'web', 'device-browser-1'))).toBe('403 ACCOUNT_LOCKED');

    const mail = await smtp.next((m) => m.subject.includes('locked'));
    expect(mail.text).toContain('Kiwi-7');
    expect(mail.html).toContain('Kiwi-7');
    const link = linkIn(mail, /\/reset-password#token=/);
    // The token rides in the fragment, which a browser never sends to the server.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/v1/auth/password-reset');
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token')!;
    const anonymous = clientFor(server);
    expect(await codeOf(anonymous.resetPassword({ token, newPassword: 'password1234' }))).toMatch(
      /^400 PASSWORD_(BREACHED|WEAK) newPassword$/,
    );
    const newPassword = 'granite-Willow-83-comet-Harbor';
    const racing = await Promise.all([
      codeOf(anonymous.resetPassword({ token, newPassword })),
      codeOf(anonymous.resetPassword({ token, newPassword: `${newPassword}-2` })),
    ]);
    expect(racing.sort()).toEqual(['400 INVALID_LINK token', 'accepted']);
    expect(await codeOf(anonymous.resetPassword({ token, newPassword }))).toBe('400 INVALID_LINK token');

    expect(await codeOf(login(account, 'web', 'device-browser-1'))).toBe('401 INVALID_CREDENTIALS');
    // One of the two racing passwords won; exactly that one logs in.
    const candidates = [newPassword, `${newPassword}-2`];
    const attempts = await Promise.all(
      candidates.map((password) =>
        codeOf(login({ email: account.email, password }, 'web', 'device-browser-1')),
      ),
    );
    expect([...attempts].sort()).toEqual(['401 INVALID_CREDENTIALS', 'accepted']);
    const owner = await login(
      { email: account.email, password: candidates[attempts.indexOf('accepted')]! },
      'web',
      'device-browser-1',
    );
    const kinds = (await owner.securityLog({ limit: 100 })).entries.map((e) => e.kind);
    for (const kind of ['alert_denied', 'account_locked', 'password_reset', 'account_unlocked'])
      expect(kinds).toContain(kind);
    // The reset holds withdrawals 24 h; the intruder's login already held them 48 h, which stays.
    const { security } = await owner.security();
    expect(Date.parse(security.withdrawalHoldUntil!)).toBeGreaterThanOrEqual(clock.now() + 24 * hour);
    sockets.forEach((c) => c.close());
  });

  it('QR login: the phone sees who asks, scanning logs no one in, confirming does, once (A3)', async () => {
    const { account, client: phone } = await firstDevice('device-phone-qr');
    const desktop = clientFor(
      server,
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36',
    );
    const qr = await desktop.startQrLogin({
      platform: 'desktop',
      deviceName: 'Office PC',
      deviceId: 'office-pc-1',
    });
    expect(qr.code).toMatch(/^lockstep-qr:/);
    expect(qr.qrSvg).toMatch(/^<svg/);
    expect(Date.parse(qr.expiresAt)).toBe(clock.now() + 2 * minute);
    const phoneSocket = await online(phone);
    const alert = phoneSocket.next('event', (e) => e.type === 'security.alert');
    const statuses: string[] = [];
    const loggingIn = desktop.waitForQrLogin(qr, { onStatus: (status) => statuses.push(status) });

    const { request } = await phone.scanQr(qr.code);
    // The waiting device learns at once that a phone scanned its code.
    while (!statuses.includes('scanned')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(request).toMatchObject({ platform: 'desktop', deviceName: 'Office PC', ip: '127.0.0.1' });
    expect(request.browser).toContain('Chrome');
    // Scanning alone logs no one in, and only the scanning account can confirm.
    expect(await codeOf(desktop.me())).toBe('401 UNAUTHENTICATED');
    const stranger = clientFor(server);
    await stranger.login({ ...(await registerAccount(server)), platform: 'web', deviceId: 'stranger-1' });
    expect(await codeOf(stranger.approveQr(qr.code))).toBe('400 QR_CODE_INVALID code');
    expect(await codeOf(stranger.scanQr(qr.code))).toBe('400 QR_CODE_INVALID code');

    await phone.approveQr(qr.code);
    const session = await loggingIn;
    expect(session.account.email).toBe(account.email);
    expect((await desktop.me()).session).toMatchObject({ platform: 'desktop', deviceName: 'Office PC' });
    expect((await alert).type).toBe('security.alert');
    // Single-use: the code and the wait token are spent.
    expect(await codeOf(phone.approveQr(qr.code))).toBe('400 QR_CODE_INVALID code');
    expect(await codeOf(phone.scanQr(qr.code))).toBe('400 QR_CODE_INVALID code');
    expect(await codeOf(clientFor(server).waitForQrLogin(qr))).toBe('400 VERIFICATION_EXPIRED');
    expect((await phone.securityLog()).entries.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['qr_scanned', 'qr_approved']),
    );
    phoneSocket.close();
  });

  it('QR codes expire after two minutes and must be scanned before they are confirmed', async () => {
    const { client: phone } = await firstDevice('device-phone-qr2');
    const desktop = clientFor(server);
    const unscanned = await desktop.startQrLogin({ platform: 'web' });
    expect(await codeOf(phone.approveQr(unscanned.code))).toBe('400 QR_CODE_INVALID code');
    const late = await desktop.startQrLogin({ platform: 'desktop' });
    clock.advance(2 * minute + 1);
    expect(await codeOf(phone.scanQr(late.code))).toBe('400 QR_CODE_INVALID code');
    expect(await codeOf(desktop.waitForQrLogin(late))).toBe('400 VERIFICATION_EXPIRED');
    expect(await codeOf(phone.scanQr('lockstep-qr:lnk_forged'))).toBe('400 QR_CODE_INVALID code');
  });

  it('failed logins lock login; the owner unlocks it from the emailed link, or an operator does (A7)', async () => {
    const { account } = await firstDevice();
    const guess = (n: number) =>
      codeOf(login({ email: account.email, password: `wrong-guess-${n}-abc` }, 'web', 'x-device-1'));
    for (let i = 0; i < 5; i += 1) expect(await guess(i)).toBe('401 INVALID_CREDENTIALS');
    expect(await codeOf(login(account, 'web', 'device-browser-1'))).toBe('429 LOGIN_LOCKED');
    const mail = await smtp.next((m) => m.subject.includes('Login to your Lockstep account is locked'));
    const link = linkIn(mail, /\/unlock-login#token=/);
    expect((await fetch(link)).status).toBe(200);
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token')!;
    await clientFor(server).unlockLogin(token);
    expect(await codeOf(clientFor(server).unlockLogin(token))).toBe('400 INVALID_LINK token');
    const back = await login(account, 'web', 'device-browser-1');

    for (let i = 0; i < 5; i += 1) await guess(i + 10);
    expect(await codeOf(login(account, 'web', 'device-browser-1'))).toBe('429 LOGIN_LOCKED');
    const operator = await clientFor(server).adminUnlock(readAdminToken(server.dataDir), {
      email: account.email,
    });
    expect(operator).toEqual({ email: account.email, passwordResetRequired: false });
    await login(account, 'web', 'device-browser-1');
    const kinds = (await back.securityLog({ limit: 100 })).entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'login_locked')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'login_unlocked')).toHaveLength(2);
  });

  it('keeps TOTP secrets sealed, recovery codes and session tokens hashed at rest', async () => {
    const { client } = await firstDevice();
    const { secret, recoveryCodes } = await enableTwoFactor(client);
    const tables = ['sessions', 'account_security', 'recovery_codes', 'security_log', 'auth_challenges'];
    const rows = await readTables(server, tables);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(secret);
    // Session tokens are kept only as hashes.
    expect(dump).not.toContain(client.credential!.slice(4));
    for (const code of recoveryCodes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replaceAll('-', ''));
    }
    expect(rows.recovery_codes).toHaveLength(10);
  });
});

/** Every row of the tables, read straight from the database the server runs on. */
async function readTables(server: TestServer, tables: string[]): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  if (server.backend === 'sqlite') {
    const db = new BetterSqlite3(join(server.dataDir, 'lockstep.db'), { readonly: true });
    try {
      for (const table of tables) out[table] = db.prepare(`select * from ${table}`).all();
    } finally {
      db.close();
    }
    return out;
  }
  const client = new pg.Client({ connectionString: process.env.LOCKSTEP_TEST_POSTGRES_URL });
  await client.connect();
  try {
    for (const table of tables)
      out[table] = (await client.query(`select * from ${server.config.postgresSchema}.${table}`)).rows;
  } finally {
    await client.end();
  }
  return out;
}

describe('development mailbox (no SMTP configured)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('keeps security mail in the data folder, readable on the loopback-only page and by the operator', async () => {
    const account = await registerAccount(server);
    await clientFor(server).login({ ...account, platform: 'web', deviceId: 'first-device' });
    await clientFor(server).login({ ...account, platform: 'web', deviceId: 'second-device' });
    const mails = readMailbox(server.dataDir, { to: account.email });
    expect(mails.map((m) => m.subject)).toEqual(['New device signed in to your Lockstep account']);
    expect(mails[0]!.text).toMatch(/anti-phishing code/i);
    const page = await fetch(`${server.url}/dev/mail.json?to=${encodeURIComponent(account.email)}`);
    expect(page.status).toBe(200);
    expect(JSON.stringify(await page.json())).toContain('New device signed in');
  });
});

describe.each(backends)('email verification of logins (%s)', (backend) => {
  let server: TestServer;
  let smtp: SmtpSink;
  let clock: ManualClock;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({
      backend,
      now: clock.now,
      smtpUrl: smtp.url,
      newDeviceVerification: true,
      onlineDevicesMax: 4,
    });
  });
  afterEach(async () => {
    await server.dispose();
    await smtp.close();
  });

  /** The token of the newest verification link mailed to `email`. */
  async function verificationLink(email: string): Promise<{ link: string; token: string }> {
    const mail = await smtp.next((m) => m.to.includes(email) && m.subject.includes('Approve a login'));
    const link = linkIn(mail, /\/verify-login#token=/);
    return { link, token: new URLSearchParams(new URL(link).hash.slice(1)).get('token')! };
  }

  it('a new device waits for the emailed link and logs in live when it is opened (A8)', async () => {
    const account = await registerAccount(server);
    // The account's first device and a device it knows log in at once.
    const first = clientFor(server);
    await first.login({ ...account, platform: 'desktop', deviceId: 'home-desktop' });
    const again = clientFor(server);
    expect(
      'token' in (await again.startLogin({ ...account, platform: 'web', deviceId: 'home-desktop' })),
    ).toBe(true);

    const phone = clientFor(server);
    const told: string[] = [];
    const loggingIn = phone.login(
      { ...account, platform: 'ios', deviceId: 'new-phone', deviceName: 'Ana iPhone' },
      { onVerification: (v) => told.push(v.reason) },
    );
    const { link, token } = await verificationLink(account.email);
    expect(told).toEqual(['new_device']);
    // Opening the link shows a page; nothing is approved until its button posts the token.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/v1/auth/verify-login');
    const approved = await clientFor(server).verifyLogin(token);
    expect(approved.device).toEqual({ platform: 'ios', deviceName: 'Ana iPhone', ip: '127.0.0.1' });
    const session = await loggingIn;
    expect(session.session.platform).toBe('ios');
    expect((await phone.me()).session.deviceName).toBe('Ana iPhone');
    // The link works once.
    expect(await codeOf(clientFor(server).verifyLogin(token))).toBe('400 INVALID_LINK token');
    const kinds = (await first.securityLog({ limit: 50 })).entries.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['login_verification_sent', 'login_verified']));
  });

  it('a link approves only its own attempt, only its device collects the session, and both expire', async () => {
    const account = await registerAccount(server);
    await clientFor(server).login({ ...account, platform: 'desktop', deviceId: 'home-desktop' });
    const a = clientFor(server);
    const b = clientFor(server);
    const pendingA = await a.startLogin({ ...account, platform: 'web', deviceId: 'browser-a' });
    const linkA = await verificationLink(account.email);
    const pendingB = await b.startLogin({ ...account, platform: 'android', deviceId: 'phone-b-device' });
    const linkB = await verificationLink(account.email);
    if (!('verification' in pendingA) || !('verification' in pendingB))
      throw new Error('expected pending logins');

    await clientFor(server).verifyLogin(linkA.token);
    // A's wait token cannot collect B's attempt, nor anyone A's without its token.
    expect(
      await codeOf(
        a.waitForLogin({ id: pendingB.verification.id, waitToken: pendingA.verification.waitToken }),
      ),
    ).toBe('400 VERIFICATION_EXPIRED');
    expect((await a.waitForLogin(pendingA.verification)).session.platform).toBe('web');
    // Collected once: asking again finds nothing.
    expect(await codeOf(a.waitForLogin(pendingA.verification))).toBe('400 VERIFICATION_EXPIRED');

    // B's link was not used by A's; but ten minutes later it no longer works.
    clock.advance(10 * minute + 1);
    expect(await codeOf(clientFor(server).verifyLogin(linkB.token))).toBe('400 INVALID_LINK token');
    expect(await codeOf(b.waitForLogin(pendingB.verification))).toBe('400 VERIFICATION_EXPIRED');
  });

  it('with the online-device threshold reached, even a known device must verify by email (A7)', async () => {
    const account = await registerAccount(server);
    const devices: LockstepClient[] = [];
    for (let i = 0; i < 4; i += 1) {
      const device = clientFor(server);
      await device.login({ ...account, platform: 'web', deviceId: 'shared-browser' });
      devices.push(device);
    }
    const fifth = clientFor(server);
    const pending = await fifth.startLogin({ ...account, platform: 'web', deviceId: 'shared-browser' });
    expect('verification' in pending && pending.verification.reason).toBe('too_many_devices');
    const { token } = await verificationLink(account.email);
    await clientFor(server).verifyLogin(token);
    if (!('verification' in pending)) throw new Error('expected a pending login');
    expect((await fifth.waitForLogin(pending.verification)).session.platform).toBe('web');
  });
});

describe('human verification of risky logins (A2)', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({ now: clock.now, humanVerification: true });
  });
  afterEach(async () => {
    await server.dispose();
  });

  /** A raw login, so the test sees what the SDK would solve by itself. */
  function rawLogin(body: Record<string, unknown>): Promise<Response> {
    return fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'web', ...body }),
    });
  }

  it('after failed attempts a login needs a solved proof-of-work, each usable once; the SDK solves it', async () => {
    const account = await registerAccount(server);
    const first = clientFor(server);
    await first.login({ ...account, platform: 'web', deviceId: 'home-browser' });
    // Wrong passwords from the known device: counted, no proof asked yet.
    for (let i = 0; i < 2; i += 1) {
      const wrong = await rawLogin({
        email: account.email,
        password: `wrong-${i}-guess-xx`,
        deviceId: 'home-browser',
      });
      expect(((await wrong.json()) as { code: string }).code).toBe('INVALID_CREDENTIALS');
    }
    const asked = await rawLogin({ ...account, deviceId: 'home-browser' });
    expect(asked.status).toBe(401);
    expect(((await asked.json()) as { code: string }).code).toBe('HUMAN_VERIFICATION_REQUIRED');

    const forged = Buffer.from(
      JSON.stringify({ algorithm: 'SHA-256', challenge: 'x', number: 1, salt: 'y', signature: 'z' }),
    ).toString('base64');
    const refused = await rawLogin({ ...account, deviceId: 'home-browser', humanProof: forged });
    expect(((await refused.json()) as { code: string }).code).toBe('HUMAN_VERIFICATION_FAILED');

    const solver = clientFor(server);
    const proof = await solver.solveHumanChallenge();
    expect((await rawLogin({ ...account, deviceId: 'home-browser', humanProof: proof })).status).toBe(200);
    // The login cleared the failures; two more make the next login risky again.
    for (let i = 0; i < 2; i += 1)
      await rawLogin({ email: account.email, password: `wrong-${i}-again-xx`, deviceId: 'home-browser' });
    const replayed = await rawLogin({ ...account, deviceId: 'home-browser', humanProof: proof });
    expect(((await replayed.json()) as { code: string }).code).toBe('HUMAN_VERIFICATION_FAILED');

    // A solved challenge also expires.
    const stale = await solver.solveHumanChallenge();
    clock.advance(5 * minute + 1);
    const late = await rawLogin({ ...account, deviceId: 'home-browser', humanProof: stale });
    expect(((await late.json()) as { code: string }).code).toBe('HUMAN_VERIFICATION_FAILED');

    // The SDK answers the server's request by itself.
    const device = clientFor(server);
    expect(
      (await device.login({ ...account, platform: 'web', deviceId: 'home-browser' })).session.platform,
    ).toBe('web');
  });

  it('a login from a device the account never used must prove a human is there', async () => {
    const account = await registerAccount(server);
    expect((await rawLogin({ ...account, deviceId: 'very-first-device' })).status).toBe(200);
    expect((await rawLogin({ ...account, deviceId: 'very-first-device' })).status).toBe(200);
    const fresh = await rawLogin({ ...account, deviceId: 'some-new-device' });
    expect(((await fresh.json()) as { code: string }).code).toBe('HUMAN_VERIFICATION_REQUIRED');
    const device = clientFor(server);
    await device.login({ ...account, platform: 'web', deviceId: 'some-new-device' });
    expect((await device.me()).session.deviceId).toBe('some-new-device');
  });
});
