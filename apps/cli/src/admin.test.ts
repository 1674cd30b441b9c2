import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, startTestServer, type TestServer } from '../../../test/support/server.ts';
import { CliHarness } from './test-harness.ts';

describe('lockstep admin (F4)', () => {
  let server: TestServer;
  let cli: CliHarness;
  beforeAll(async () => {
    server = await startTestServer();
    cli = new CliHarness(server.url);
  });
  afterAll(async () => {
    cli.dispose();
    await server.dispose();
  });

  it('credits a deposit once per transaction id, with the operator token from the data folder', async () => {
    const { email } = await registerAccount(server);
    const args = [
      'admin',
      'deposit',
      '--email',
      email,
      '--asset',
      'USDT',
      '--amount',
      '250.5',
      '--tx-id',
      'chain-1',
    ];
    const first = await cli.run([...args, '--data', server.dataDir, '--server', server.url]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`Credited 250.5 USDT to ${email}; free 250.50000000`);
    const again = await cli.run([...args, '--data', server.dataDir, '--server', server.url]);
    expect(again.stdout).toContain('Already credited');
    const wrongFolder = await cli.run([...args, '--data', '/nonexistent', '--server', server.url]);
    expect(wrongFolder.code).toBe(1);
    expect(wrongFolder.stderr).toContain('no readable admin-token');
  });

  it('refuses a forged operator token and unknown assets with catalogue codes', async () => {
    const forged = await fetch(`${server.url}/v1/admin/deposits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lockstep-admin-token': 'lsa_forged' },
      body: JSON.stringify({ email: 'a@b.co', asset: 'USDT', amount: '1' }),
    });
    expect(forged.status).toBe(401);
    const { email } = await registerAccount(server);
    const unknown = await cli.run([
      'admin',
      'deposit',
      '--email',
      email,
      '--asset',
      'DOGE',
      '--amount',
      '1',
      '--data',
      server.dataDir,
      '--server',
      server.url,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UNKNOWN_ASSET');
  });

  it('audits the data folder: clean after trading, exit status 1 on a discrepancy', async () => {
    const clean = await cli.json<{ ok: boolean; journalSeq: number }>([
      'admin',
      'audit',
      '--data',
      server.dataDir,
    ]);
    expect(clean.code).toBe(0);
    expect(clean.body.ok).toBe(true);
    expect(clean.body.journalSeq).toBeGreaterThan(0);
    // Tamper with a projection behind the engine's back: the audit must notice.
    const email = await registerAccountWithDeposit();
    const account = await server.store.repos.accounts.findByEmail(email);
    const [row] = await server.store.repos.balances.list(account!.id);
    await server.store.repos.balances.upsertMany([{ ...row!, free: row!.free + 1 }]);
    const dirty = await cli.run(['admin', 'audit', '--data', server.dataDir]);
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('DISCREPANCIES');
  });

  async function registerAccountWithDeposit(): Promise<string> {
    const { email } = await registerAccount(server);
    await cli.run([
      'admin',
      'deposit',
      '--email',
      email,
      '--asset',
      'BTC',
      '--amount',
      '1',
      '--data',
      server.dataDir,
      '--server',
      server.url,
    ]);
    return email;
  }
});
