import { afterEach, describe, expect, it } from 'vitest';
import { LockstepApiError } from '@lockstep/sdk';
import {
  ManualClock,
  backends,
  clientFor,
  registerAccount,
  startTestServer,
  strongPassword,
  type TestServer,
} from '../support/server.ts';

const minuteMs = 60_000;

async function attempt(
  server: TestServer,
  email: string,
  password: string,
): Promise<LockstepApiError | 'ok'> {
  try {
    await clientFor(server).login({ email, password, platform: 'web' });
    return 'ok';
  } catch (error) {
    if (error instanceof LockstepApiError) return error;
    throw error;
  }
}

describe.each(backends)('brute-force protection (A7) on %s', (backend) => {
  let server: TestServer;
  afterEach(async () => {
    await server.dispose();
  });

  it('locks an account after repeated failures, says until when, survives a restart, then unlocks', async () => {
    const clock = new ManualClock();
    server = await startTestServer({
      backend,
      now: clock.now,
      throttle: { emailFailuresMax: 5, lockMs: 15 * minuteMs },
    });
    const { email } = await registerAccount(server);
    for (let i = 0; i < 4; i += 1) {
      const result = await attempt(server, email, `wrong-password-${i}-xyz`);
      expect(result !== 'ok' && result.code).toBe('INVALID_CREDENTIALS');
    }
    const fifth = await attempt(server, email, 'wrong-password-5-xyz');
    expect(fifth !== 'ok' && fifth.code).toBe('INVALID_CREDENTIALS');

    // Locked now: even the right password is refused, with the unlock time.
    const locked = await attempt(server, email, strongPassword);
    expect(locked).not.toBe('ok');
    const lockedError = locked as LockstepApiError;
    expect(lockedError.status).toBe(429);
    expect(lockedError.code).toBe('LOGIN_LOCKED');
    const unlocksAt = String(lockedError.details?.unlocksAt);
    expect(Date.parse(unlocksAt)).toBe(clock.ms + 15 * minuteMs);
    expect(lockedError.message).toContain(unlocksAt);

    server = await server.restart({ now: clock.now });
    const stillLocked = await attempt(server, email, strongPassword);
    expect(stillLocked !== 'ok' && stillLocked.code).toBe('LOGIN_LOCKED');

    clock.advance(15 * minuteMs);
    expect(await attempt(server, email, strongPassword)).toBe('ok');
  });

  it('locks an IP that tries many accounts, without locking the accounts from elsewhere', async () => {
    const clock = new ManualClock();
    server = await startTestServer({
      backend,
      now: clock.now,
      throttle: { ipFailuresMax: 3, emailFailuresMax: 100 },
    });
    const victim = await registerAccount(server);
    for (let i = 0; i < 3; i += 1) await attempt(server, `nobody-${i}@example.test`, 'wrong-password-xyz');
    const fromSameIp = await attempt(server, victim.email, victim.password);
    expect(fromSameIp !== 'ok' && fromSameIp.code).toBe('LOGIN_LOCKED');
    clock.advance(15 * minuteMs);
    expect(await attempt(server, victim.email, victim.password)).toBe('ok');
  });

  it('counts a burst of concurrent guesses one by one: no more than the limit reach the password check', async () => {
    server = await startTestServer({ backend, throttle: { emailFailuresMax: 5, ipFailuresMax: 1000 } });
    const account = await registerAccount(server);
    const guesses = Array.from({ length: 30 }, (_, i) =>
      attempt(server, account.email, i === 29 ? account.password : `wrong-guess-number-${i}`),
    );
    const outcomes = (await Promise.all(guesses)).map((r) => (r === 'ok' ? 'ok' : r.code));
    const counts = outcomes.reduce<Record<string, number>>(
      (acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }),
      {},
    );
    // Five attempts are let through (the right password among them or not); all others are locked out.
    expect((counts.INVALID_CREDENTIALS ?? 0) + (counts.ok ?? 0)).toBe(5);
    expect(counts.LOGIN_LOCKED).toBe(25);
  });

  it('a success resets the account counter', async () => {
    server = await startTestServer({ backend, throttle: { emailFailuresMax: 3 } });
    const account = await registerAccount(server);
    await attempt(server, account.email, 'wrong-password-one');
    await attempt(server, account.email, 'wrong-password-two');
    expect(await attempt(server, account.email, account.password)).toBe('ok');
    await attempt(server, account.email, 'wrong-password-three');
    await attempt(server, account.email, 'wrong-password-four');
    expect(await attempt(server, account.email, account.password)).toBe('ok');
  });
});
