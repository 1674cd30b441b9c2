import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepApiError, type AccountConnection, type LockstepClient } from '@lockstep/sdk';
import {
  backends,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';

/** Opens a device's live stream and waits until it is subscribed. */
async function online(client: LockstepClient): Promise<AccountConnection> {
  const connection = client.connect();
  await connection.next('hello');
  return connection;
}

async function refusal(promise: Promise<unknown>): Promise<LockstepApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockstepApiError);
  return error as LockstepApiError;
}

describe.each(backends)('five devices of one account (%s)', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ backend });
  });
  afterEach(async () => {
    await server.dispose();
  });

  async function fiveDevices() {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop', 'Office desktop');
    const ios = await loginDevice(server, account, 'ios', 'iPhone');
    const android = await loginDevice(server, account, 'android', 'Pixel');
    const web1 = await loginDevice(server, account, 'web', 'Firefox at home');
    const web2 = await loginDevice(server, account, 'web', 'Chrome at work');
    return { account, desktop, ios, android, web1, web2 };
  }

  it('lists every device with its platform, name, IP and times', async () => {
    const { desktop } = await fiveDevices();
    const { sessions } = await desktop.sessions();
    expect(sessions.map((s) => s.platform).sort()).toEqual(['android', 'desktop', 'ios', 'web', 'web']);
    expect(sessions.map((s) => s.deviceName)).toContain('Chrome at work');
    expect(sessions.filter((s) => s.current).map((s) => s.deviceName)).toEqual(['Office desktop']);
    for (const s of sessions) {
      expect(s.ip).toBe('127.0.0.1');
      expect(Date.parse(s.createdAt)).toBeGreaterThan(0);
      expect(Date.parse(s.lastActiveAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
    }
  });

  it('revoking one device refuses only its token and closes only its socket', async () => {
    const { desktop, ios, android, web1, web2 } = await fiveDevices();
    const sockets = await Promise.all([desktop, ios, android, web1, web2].map(online));
    const [, iosSocket, ...others] = sockets;
    const iosId = (await ios.me()).session.id;
    const revokedMessage = iosSocket!.next('revoked');
    const closed = iosSocket!.next('close');
    const seenByOthers = others.map((c) => c.next('event', (e) => e.type === 'session.revoked'));

    expect(await desktop.logoutDevice(iosId)).toEqual({ revoked: [iosId] });

    expect((await revokedMessage).reason).toBe('revoked_by_other_device');
    expect((await closed).code).toBe(4001);
    const refused = await refusal(ios.me());
    expect(refused.status).toBe(401);
    expect(refused.code).toBe('SESSION_REVOKED');
    for (const event of await Promise.all(seenByOthers)) {
      expect(event.type === 'session.revoked' && event.data.session.id).toBe(iosId);
    }
    for (const client of [desktop, android, web1, web2])
      expect((await client.me()).account.id).toBeGreaterThan(0);
    // Every other socket still answers a ping after the revocation has been fully processed.
    for (const c of others) {
      const beat = c.next('heartbeat');
      c.ping();
      await beat;
    }
    expect(others.every((c) => !c.closed)).toBe(true);
    sockets.forEach((s) => s.close());
  });

  it('requests racing a revocation never bring the session back', async () => {
    // Authenticated sessions are cached in memory on the embedded store; a read that started
    // before the revocation committed must not put the session back into that cache.
    const { desktop, ios } = await fiveDevices();
    const iosId = (await ios.me()).session.id;
    let stop = false;
    const hammer = Array.from({ length: 8 }, async () => {
      while (!stop) await ios.me().catch(() => undefined);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await desktop.logoutDevice(iosId);
    for (let i = 0; i < 20; i += 1) expect((await refusal(ios.me())).code).toBe('SESSION_REVOKED');
    stop = true;
    await Promise.all(hammer);
    expect((await refusal(ios.me())).code).toBe('SESSION_REVOKED');
  });

  it('"all others" leaves only the caller', async () => {
    const { desktop, ios, android, web1, web2 } = await fiveDevices();
    const callerSocket = await online(web1);
    const sockets = await Promise.all([desktop, ios, android, web2].map(online));
    const closes = sockets.map((s) => s.next('close'));
    const { revoked } = await web1.logoutOthers();
    expect(revoked).toHaveLength(4);
    expect((await Promise.all(closes)).map((c) => c.code)).toEqual([4001, 4001, 4001, 4001]);
    expect(callerSocket.closed).toBe(false);
    const { sessions } = await web1.sessions();
    expect(sessions.map((s) => s.deviceName)).toEqual(['Firefox at home']);
    for (const client of [desktop, ios, android, web2])
      expect((await refusal(client.me())).code).toBe('SESSION_REVOKED');
    callerSocket.close();
  });

  it('a second ios login evicts the oldest ios session and tells it why; other platforms stay', async () => {
    const { account, desktop, ios, android } = await fiveDevices();
    const oldSocket = await online(ios);
    const told = oldSocket.next('revoked');
    const newIos = await loginDevice(server, account, 'ios', 'New iPhone');
    expect((await told).reason).toBe('slot_evicted');
    const refused = await refusal(ios.me());
    expect(refused.code).toBe('SESSION_REVOKED');
    expect(refused.details?.reason).toBe('slot_evicted');
    expect(refused.message).toBe(
      'This device was signed out because a newer login on the same platform took its slot.',
    );
    const { sessions } = await newIos.sessions();
    expect(sessions.filter((s) => s.platform === 'ios').map((s) => s.deviceName)).toEqual(['New iPhone']);
    expect(sessions).toHaveLength(5);
    await desktop.me();
    await android.me();
  });

  it('concurrent logins on one platform still leave exactly one session in its slot', async () => {
    const account = await registerAccount(server);
    const observer = await loginDevice(server, account, 'desktop', 'Observer');
    await Promise.all(Array.from({ length: 4 }, (_, i) => loginDevice(server, account, 'ios', `Phone ${i}`)));
    await Promise.all(
      Array.from({ length: 3 }, (_, i) => loginDevice(server, account, 'web', `Browser ${i}`)),
    );
    const { sessions } = await observer.sessions();
    expect(sessions.filter((s) => s.platform === 'ios')).toHaveLength(1);
    expect(sessions.filter((s) => s.platform === 'web')).toHaveLength(3);
  });

  it('an evicted device receives its own revocation and nothing after it', async () => {
    const account = await registerAccount(server);
    const old = await loginDevice(server, account, 'ios', 'Old iPhone');
    const connection = await online(old);
    const seen: string[] = [];
    connection.on('event', (e) =>
      seen.push(`${e.type} ${'session' in e.data ? e.data.session.deviceName : ''}`),
    );
    const closed = connection.next('close');
    await loginDevice(server, account, 'ios', 'New iPhone');
    await closed;
    expect(seen).toEqual(['session.revoked Old iPhone']);
  });

  it('after a restart live sessions still work and revoked ones stay dead', async () => {
    const { desktop, ios, android } = await fiveDevices();
    await desktop.logoutDevice((await ios.me()).session.id);
    server = await server.restart();
    expect((await desktop.me()).session.platform).toBe('desktop');
    expect((await android.me()).session.platform).toBe('android');
    expect((await refusal(ios.me())).code).toBe('SESSION_REVOKED');
  });
});
