import { afterEach, describe, expect, it } from 'vitest';
import { LockstepApiError } from '@lockstep/sdk';
import {
  ManualClock,
  loginDevice,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';

const dayMs = 86_400_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof LockstepApiError ? error.code : 'no error';
}

describe('session lifetimes (A5), with an injected clock', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.dispose();
  });

  it('ends a session after 30 idle days, and activity slides the window', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ now: clock.now });
    const account = await registerAccount(server);
    const busy = await loginDevice(server, account, 'desktop');
    const idle = await loginDevice(server, account, 'ios');

    clock.advance(29 * dayMs);
    await busy.me();
    clock.advance(2 * dayMs);
    expect((await busy.me()).session.platform).toBe('desktop');
    expect(await codeOf(idle.me())).toBe('SESSION_EXPIRED');
    const { sessions } = await busy.sessions();
    expect(sessions.map((s) => s.platform)).toEqual(['desktop']);
  });

  it('ends a session at the absolute maximum however active it is', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ now: clock.now, lifetimes: { absoluteMs: 90 * dayMs } });
    const account = await registerAccount(server);
    const device = await loginDevice(server, account, 'web');
    // Used every week, so the idle limit never bites, right up to the last millisecond of day 90.
    for (let week = 1; week <= 12; week += 1) {
      clock.advance(7 * dayMs);
      expect(await codeOf(device.me())).toBe('no error');
    }
    clock.advance(90 * dayMs - 84 * dayMs - 1);
    expect(await codeOf(device.me())).toBe('no error');
    clock.advance(1);
    expect(await codeOf(device.me())).toBe('SESSION_EXPIRED');
  });

  it('a configured absolute maximum is honoured', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ now: clock.now, lifetimes: { absoluteMs: 2 * dayMs } });
    const account = await registerAccount(server);
    const device = await loginDevice(server, account, 'web');
    clock.advance(2 * dayMs - 1);
    expect(await codeOf(device.me())).toBe('no error');
    clock.advance(1);
    expect(await codeOf(device.me())).toBe('SESSION_EXPIRED');
  });

  it('ends expired sessions as revocations every other device sees, still answered SESSION_EXPIRED', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ now: clock.now, lifetimes: { idleMs: dayMs, absoluteMs: 30 * dayMs } });
    const account = await registerAccount(server);
    const idle = await loginDevice(server, account, 'web');
    const phone = await loginDevice(server, account, 'ios');
    const idleId = (await idle.me()).session.id;
    const live = phone.connect({ since: (await phone.me()).stream.seq });
    await live.next('replayed');
    const gone = live.next('event', (e) => e.type === 'session.revoked');
    // The web session idles out; the phone stays in use.
    clock.advance(dayMs / 2);
    await phone.me();
    clock.advance(dayMs / 2);
    expect(await server.auth.expireSessions()).toBe(1);
    const event = await gone;
    expect(event.type === 'session.revoked' && event.data.session).toMatchObject({
      id: idleId,
      revokeReason: 'expired',
    });
    expect((await phone.sessions()).sessions.map((s) => s.platform)).toEqual(['ios']);
    expect(await codeOf(idle.me())).toBe('SESSION_EXPIRED');
    // Nothing more to end; the phone's session is untouched.
    expect(await server.auth.expireSessions()).toBe(0);
    expect(await codeOf(phone.me())).toBe('no error');
    live.close();
  });

  it('closes the live connection of a session that expired', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ now: clock.now });
    const account = await registerAccount(server);
    const device = await loginDevice(server, account, 'android');
    const connection = device.connect();
    await connection.next('hello');
    const revoked = connection.next('revoked');
    const closed = connection.next('close');
    clock.advance(31 * dayMs);
    await server.hub.sweep();
    expect((await revoked).reason).toBe('expired');
    expect((await closed).code).toBe(4001);
  });
});
