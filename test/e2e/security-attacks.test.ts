import { generateSync } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  clientFor,
  registerAccount,
  startTestServer,
  strongPassword,
  type TestServer,
} from '../support/server.ts';
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { codeOf } from '../support/trading.ts';

/**
 * Attacks a security review of the account-security change found, each fixed since: a device
 * vouching for itself, a fresh session shutting the owner out, a waiting login outliving "Not
 * me", 2FA guessing at step-up, a denied device staying known, device ids visible to others.
 */

let server: TestServer | undefined;
let smtp: SmtpSink | undefined;
afterEach(async () => {
  await server?.dispose();
  await smtp?.close();
  server = undefined;
  smtp = undefined;
});

function tokenOf(link: string): string {
  return new URLSearchParams(new URL(link).hash.slice(1)).get('token')!;
}

/**
 * The account's owner on a browser, then an intruder who has the password logging in from a device
 * the account never used (which raises a new-device alert), on a server with a manual clock.
 */
async function ownerAndIntruder() {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
  server = await startTestServer({ now: clock.now });
  const account = await registerAccount(server);
  const owner = clientFor(server);
  await owner.login({ ...account, platform: 'web', deviceId: 'owner-browser-1' });
  const intruder = clientFor(server);
  await intruder.login({ ...account, platform: 'android', deviceId: 'intruder-device-1' });
  const intruderSession = (await intruder.me()).session.id;
  return { owner, intruder, intruderSession };
}

describe('security alerts (A9)', () => {
  it('the device an alert is about cannot answer it "It was me" itself', async () => {
    const { owner, intruder, intruderSession } = await ownerAndIntruder();
    const alert = (await intruder.securityAlerts()).alerts.find((a) => a.sessionId === intruderSession)!;
    expect(alert).toBeDefined();

    // It must not be able to close the alert about itself before the owner sees it.
    const answered = await codeOf(intruder.confirmAlert(alert.id));
    const ownerStillSees = (await owner.securityAlerts()).alerts.map((a) => a.id);
    expect(answered).toBe('403 ALERT_NOT_ANSWERABLE_HERE');
    expect(ownerStillSees).toEqual([alert.id]);
  });
});

describe('step-up 2FA guessing (A5, A11)', () => {
  it('wrong 2FA codes at step-up count towards the login lock, like wrong codes at login', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({ now: clock.now });
    const account = await registerAccount(server);
    const client = clientFor(server);
    await client.login({ ...account, platform: 'web', deviceId: 'owner-browser-1' });
    await client.stepUp({ password: strongPassword });
    const setup = await client.beginTwoFactor();
    const code = () => generateSync({ secret: setup.secret, epoch: Math.floor(clock.now() / 1000) });
    await client.enableTwoFactor(code());
    clock.advance(30_000);

    // A thief holding the session and the password guesses codes; the login throttle allows 5.
    const wrong = code() === '000000' ? '000001' : '000000';
    const results: string[] = [];
    for (let i = 0; i < 12; i += 1)
      results.push(await codeOf(client.stepUp({ password: strongPassword, code: wrong })));
    expect(results).toContain('429 LOGIN_LOCKED');
  });
});

describe('new-device verification and the "Not me" lock (A8, A9)', () => {
  it('a login attempt waiting for its link cannot complete after "Not me" locked the account', async () => {
    smtp = await startSmtpSink();
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({
      now: clock.now,
      smtpUrl: smtp.url,
      newDeviceVerification: true,
    });
    const sink = smtp;
    const account = await registerAccount(server);
    const owner = clientFor(server);
    await owner.login({ ...account, platform: 'web', deviceId: 'owner-browser-1' });
    const nextLink = async () =>
      tokenOf(linkIn(await sink.next((m) => m.subject.includes('Approve a login')), /\/verify-login#token=/));

    // Attempt A waits for its emailed link.
    const a = clientFor(server);
    const pendingA = await a.startLogin({ ...account, platform: 'desktop', deviceId: 'intruder-pc-aaaa' });
    if (!('verification' in pendingA)) throw new Error('expected a pending login');
    const linkA = await nextLink();
    // Attempt B gets in (its link was opened), which raises an alert; the owner says "Not me".
    const b = clientFor(server);
    const loggingInB = b.login({ ...account, platform: 'android', deviceId: 'intruder-phone-b' });
    await clientFor(server).verifyLogin(await nextLink());
    const sessionB = (await loggingInB).session.id;
    const alert = (await owner.securityAlerts()).alerts.find((x) => x.sessionId === sessionB)!;
    await owner.denyAlert(alert.id);
    expect(
      await codeOf(clientFor(server).login({ ...account, platform: 'web', deviceId: 'owner-browser-1' })),
    ).toBe('403 ACCOUNT_LOCKED');

    // "Login stays refused until the password is changed": attempt A, started with the old
    // password before the lock, must not yield a session now.
    const outcome = await codeOf(
      clientFor(server)
        .verifyLogin(linkA)
        .then(() => a.waitForLogin(pendingA.verification))
        .then(() => a.me()),
    );
    expect(outcome).not.toBe('accepted');
  });

  it('after "Not me" and a password reset, the intruder\'s device is a new device again', async () => {
    smtp = await startSmtpSink();
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({
      now: clock.now,
      smtpUrl: smtp.url,
      newDeviceVerification: true,
    });
    const account = await registerAccount(server);
    const phone = clientFor(server);
    await phone.login({ ...account, platform: 'ios', deviceId: 'owner-phone-1' });

    // QR-login phishing: the owner's phone confirms a code the intruder shows.
    const intruder = clientFor(server);
    const qr = await intruder.startQrLogin({ platform: 'desktop', deviceId: 'intruder-pc-1' });
    await phone.scanQr(qr.code);
    await phone.approveQr(qr.code);
    const intruderSession = (await intruder.waitForQrLogin(qr)).session.id;
    const alert = (await phone.securityAlerts()).alerts.find((x) => x.sessionId === intruderSession)!;
    await phone.denyAlert(alert.id);
    const reset = await smtp.next((m) => m.subject.includes('locked'));
    const newPassword = 'granite-Willow-83-comet-Harbor';
    await clientFor(server).resetPassword({
      token: tokenOf(linkIn(reset, /\/reset-password#token=/)),
      newPassword,
    });

    // Should the intruder learn the new password too, its device must not be trusted any more:
    // the login has to be verified by email (and raise an alert), not pass silently.
    const again = await clientFor(server).startLogin({
      email: account.email,
      password: newPassword,
      platform: 'desktop',
      deviceId: 'intruder-pc-1',
    });
    expect('verification' in again).toBe(true);
  });
});

describe('session list exposes the ids that make a device "known"', () => {
  it('device ids are not shown to other devices (they are what skips new-device checks)', async () => {
    server = await startTestServer({ newDeviceVerification: false });
    const account = await registerAccount(server);
    const owner = clientFor(server);
    await owner.login({ ...account, platform: 'web', deviceId: 'owner-browser-secret-1' });
    const other = clientFor(server);
    const socket = owner.connect({ since: 0 });
    const created = socket.next(
      'event',
      (e) => e.type === 'session.created' && e.data.session.platform === 'ios',
    );
    await other.login({ ...account, platform: 'ios', deviceId: 'other-phone-secret-2' });
    // Each device sees its own id, and only a fingerprint of the others'.
    const fromOther = JSON.stringify(await other.sessions());
    expect(fromOther).not.toContain('owner-browser-secret-1');
    expect(fromOther).toContain('other-phone-secret-2');
    expect(JSON.stringify(await owner.sessions())).not.toContain('other-phone-secret-2');
    // Events go to every device, so they carry fingerprints only.
    expect(JSON.stringify(await created)).not.toContain('other-phone-secret-2');
    socket.close();
  });
});

describe('a new device can shut the owner out before "Not me" is answered', () => {
  it("an intruder's fresh session turning 2FA on does not sign the owner out of answering the alert", async () => {
    const { owner, intruder, intruderSession } = await ownerAndIntruder();
    const alert = (await owner.securityAlerts()).alerts.find((a) => a.sessionId === intruderSession)!;

    // With the password alone the intruder can re-authenticate, but until another device answers
    // its alert it can change nothing that would shut the owner out.
    await intruder.stepUp({ password: strongPassword });
    expect(await codeOf(intruder.beginTwoFactor())).toBe('403 DEVICE_NOT_CONFIRMED');
    expect(
      await codeOf(
        intruder.changePassword({
          currentPassword: strongPassword,
          newPassword: 'copper-Meadow-57-orbit-Falcon',
        }),
      ),
    ).toBe('403 DEVICE_NOT_CONFIRMED');
    expect(await codeOf(intruder.confirmAlert(alert.id))).toBe('403 ALERT_NOT_ANSWERABLE_HERE');

    // The owner must still be able to say "Not me" (and log in again without the intruder's TOTP).
    expect(await codeOf(owner.denyAlert(alert.id))).toBe('accepted');
  });
});
