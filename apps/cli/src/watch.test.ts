import { describe, expect, it } from 'vitest';
import { readAdminToken } from '@lockstep/server';
import {
  loginDevice,
  registerAccount,
  strongPassword,
  type TestServer,
} from '../../../test/support/server.ts';
import { useCliServer, type CliHarness } from './test-harness.ts';

describe('lockstep watch', () => {
  let server: TestServer;
  let cli: CliHarness;
  useCliServer((current) => ({ server, cli } = current));

  it('prints balances, orders and notifications as another device changes them, until signed out', async () => {
    const account = await registerAccount(server);
    const login = await cli.run(
      ['login', '--email', account.email, '--password-stdin', '--profile', 'desk'],
      {
        input: `${strongPassword}\n`,
      },
    );
    expect(login.code).toBe(0);
    const watch = cli.start(['watch', '--profile', 'desk']);
    await watch.stdoutMatch(/Watching .+ \(profile desk\)/);
    expect(watch.stdout).toContain('Balances: none');
    expect(watch.stdout).toContain('Open orders: none');
    expect(watch.stdout).not.toContain('reloaded');

    const phone = await loginDevice(server, account, 'ios');
    await phone.adminDeposit(readAdminToken(server.dataDir), {
      email: account.email,
      asset: 'USDT',
      amount: '1000',
    });
    await watch.stdoutMatch(/balance USDT: free 1000\.00000000, locked 0\.00000000/);
    await watch.stdoutMatch(/\[deposits\] Deposit credited: 1000\.00000000 USDT is in your balance\./);
    const { order } = await phone.placeOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01',
      price: '30000',
    });
    await watch.stdoutMatch(
      new RegExp(`order ${order.orderId} BUY 0\\.01000 BTCUSDT LIMIT @ 30000\\.00: NEW`),
    );
    await watch.stdoutMatch(/balance USDT: free 700\.00000000, locked 300\.00000000/);

    // Signed out from the phone: the view says why and ends with its own exit status.
    const desk = (await phone.sessions()).sessions.find((s) => s.platform === 'desktop')!;
    await phone.logoutDevice(desk.id);
    const result = await watch.result;
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'Signed out: This device was signed out from another device of the account.',
    );
  });

  it('streams one JSON document per line with --json', async () => {
    const account = await registerAccount(server);
    await cli.run(['login', '--email', account.email, '--password-stdin', '--profile', 'bot'], {
      input: `${strongPassword}\n`,
    });
    const watch = cli.start(['watch', '--profile', 'bot', '--json']);
    await watch.stdoutMatch(/"kind":"snapshot"/);
    const phone = await loginDevice(server, account, 'android');
    await phone.request('PUT', '/v1/watchlists/Main', { symbols: ['BTCUSDT'] });
    await watch.stdoutMatch(/"type":"watchlist\.updated"/);
    await phone.logoutAll();
    const result = await watch.result;
    expect(result.code).toBe(3);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string });
    expect(lines[0]!.kind).toBe('snapshot');
    expect(lines.at(-1)).toMatchObject({ kind: 'revoked', reason: 'logout_all' });
  });

  it('says so when the profile is not logged in', async () => {
    const result = await cli.run(['watch', '--profile', 'nobody']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('not logged in on profile nobody');
  });
});
