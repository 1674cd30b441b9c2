import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockstepApiError } from '@lockstep/sdk';
import { backends, clientFor, startTestServer, uniqueEmail, type TestServer } from '../support/server.ts';
import { passphrase } from '../support/passphrase.ts';

describe.each(backends)('password rules through the server (A1) on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(async () => {
    await server.dispose();
  });

  async function register(
    password: string,
    email = uniqueEmail('pw'),
  ): Promise<LockstepApiError | 'created'> {
    try {
      await clientFor(server).register({ email, password });
      return 'created';
    } catch (error) {
      if (error instanceof LockstepApiError) return error;
      throw error;
    }
  }

  async function login(email: string, password: string): Promise<LockstepApiError | 'ok'> {
    try {
      const response = await clientFor(server).login({ email, password, platform: 'web' });
      expect(response.token).toBeTruthy();
      return 'ok';
    } catch (error) {
      if (error instanceof LockstepApiError) return error;
      throw error;
    }
  }

  async function expectRefused(password: string, code: string, rule: RegExp, email?: string): Promise<void> {
    const result = await register(password, email);
    expect(result, password.slice(0, 40)).toBeInstanceOf(LockstepApiError);
    const error = result as LockstepApiError;
    expect(error.status).toBe(400);
    expect(error.code).toBe(code);
    expect(error.field).toBe('password');
    expect(error.message).toMatch(rule);
  }

  it('refuses each rule with its own code and a message naming the rule', async () => {
    await expectRefused('Zq9!xT4#mW2', 'PASSWORD_TOO_SHORT', /at least 12 characters; it has 11/);
    await expectRefused(passphrase(1025, 1), 'PASSWORD_TOO_LONG', /at most 1024 characters/);
    await expectRefused('qwertyuiop123', 'PASSWORD_BREACHED', /common and breached passwords/);
    await expectRefused('QWERTYUIOP123', 'PASSWORD_BREACHED', /common and breached passwords/);
    await expectRefused('zyxwvutsrqponmlk', 'PASSWORD_WEAK', /too easy to guess/);
    const email = uniqueEmail('self');
    await expectRefused(`${email}${email}`, 'PASSWORD_WEAK', /too easy to guess/, email);
  });

  it('accepts exactly 12 strong characters', async () => {
    expect(await register('Zq9!xT4#mW2@')).toBe('created');
  });

  it.each([128, 1024])('a %i-character passphrase is accepted and never truncated', async (length) => {
    const email = uniqueEmail(`long${length}`);
    const password = passphrase(length, length);
    expect([...password]).toHaveLength(length);
    expect(await register(password, email)).toBe('created');

    for (const prefix of [password.slice(0, -1), password.slice(0, 72)]) {
      const refused = await login(email, prefix);
      expect(refused !== 'ok' && refused.code, `login with ${prefix.length} of ${length} characters`).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    expect(await login(email, password)).toBe('ok');
  });

  it('composed and decomposed unicode forms of a passphrase log in interchangeably (NFKC)', async () => {
    const composed = 'Crème brûlée au café, sérieusement 42'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);

    const first = uniqueEmail('nfc');
    expect(await register(composed, first)).toBe('created');
    expect(await login(first, decomposed)).toBe('ok');
    expect(await login(first, composed)).toBe('ok');

    const second = uniqueEmail('nfd');
    expect(await register(decomposed, second)).toBe('created');
    expect(await login(second, composed)).toBe('ok');

    const wrong = await login(second, composed.replace('è', 'e'));
    expect(wrong !== 'ok' && wrong.code).toBe('INVALID_CREDENTIALS');
  });
});
