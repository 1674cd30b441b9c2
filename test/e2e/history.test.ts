import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepApiError } from '@lockstep/sdk';
import {
  clientFor,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';

describe('login history (A14)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('records successes and failures with device, IP and time, newest first, in pages', async () => {
    const account = await registerAccount(server);
    const phone = clientFor(
      server,
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
    );
    await phone.login({ ...account, platform: 'ios' });
    await clientFor(server)
      .login({ ...account, password: 'not-the-password-at-all', platform: 'web', deviceName: 'Attacker' })
      .catch((e: unknown) => expect(e).toBeInstanceOf(LockstepApiError));
    const desktop = await loginDevice(server, account, 'desktop', 'Work PC');

    const { entries } = await desktop.loginHistory();
    expect(entries.map((e) => [e.success, e.platform, e.deviceName, e.failureReason])).toEqual([
      [true, 'desktop', 'Work PC', null],
      [false, 'web', 'Attacker', 'invalid_credentials'],
      [true, 'ios', expect.stringMatching(/iOS 17/), null],
    ]);
    for (const e of entries) {
      expect(e.ip).toBe('127.0.0.1');
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    const first = await desktop.loginHistory({ limit: 2 });
    expect(first.entries).toHaveLength(2);
    const second = await desktop.loginHistory({ limit: 2, before: first.nextBefore! });
    expect(second.entries.map((e) => e.platform)).toEqual(['ios']);
    expect(second.nextBefore).toBeNull();
  });

  it('refuses device names with control or bidi-override characters, so nobody can forge history rows', async () => {
    const account = await registerAccount(server);
    for (const deviceName of ['x\n2026-11-21 09:00:00  ok  ios', 'evil\u001b[8m', 'a\u202Eb']) {
      const error = await clientFor(server)
        .login({ ...account, platform: 'web', deviceName })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(LockstepApiError);
      expect((error as LockstepApiError).field).toBe('deviceName');
    }
  });

  it('shows an account only its own history', async () => {
    const a = await registerAccount(server);
    const b = await registerAccount(server);
    await loginDevice(server, a, 'web');
    const bClient = await loginDevice(server, b, 'web');
    const { entries } = await bClient.loginHistory();
    expect(entries).toHaveLength(1);
  });
});
