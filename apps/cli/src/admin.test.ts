import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, type StoredMail } from '@lockstep/server';
import { LockstepApiError } from '@lockstep/sdk';
import {
  clientFor,
  registerAccount,
  startTestServer,
  strongPassword,
  type TestServer,
} from '../../../test/support/server.ts';
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

  it('kyc sets the status every device of the account sees, and names a bad field', async () => {
    const { email } = await registerAccount(server);
    const base = ['admin', 'kyc', '--email', email, '--data', server.dataDir, '--server', server.url];
    const result = await cli.run([...base, '--status', 'verified', '--level', '2']);
    expect(result).toMatchObject({ code: 0, stdout: `KYC of ${email}: verified, level 2\n`, stderr: '' });
    const json = await cli.json<{ kyc: { status: string; level: number } }>([...base, '--status', 'pending']);
    expect(json).toMatchObject({ code: 0, body: { email, kyc: { status: 'pending', level: 0 } } });
    const bad = await cli.run([...base, '--status', 'famous']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('status');
  });

  it('unlock lifts the lock of failed logins, so the right password works again', async () => {
    const { email, password } = await registerAccount(server);
    const client = clientFor(server);
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(client.login({ email, password: 'not-the-password-1', platform: 'web' })).rejects.toThrow(
        'email or password is wrong',
      );
    }
    expect(await loginCode(email, password)).toBe('LOGIN_LOCKED');

    const unlock = [
      'admin',
      'unlock',
      '--email',
      email.toUpperCase(),
      '--data',
      server.dataDir,
      '--server',
      server.url,
    ];
    const result = await cli.run(unlock);
    expect(result).toMatchObject({ code: 0, stdout: `Unlocked login of ${email}\n`, stderr: '' });
    expect(await loginCode(email, password)).toBe('OK');

    const json = await cli.json<{ email: string; passwordResetRequired: boolean }>(unlock);
    expect(json).toMatchObject({ code: 0, body: { email, passwordResetRequired: false } });
  });

  it('unlock says that a "Not me" lock needs the owner\'s password reset', async () => {
    const account = await registerAccount(server);
    const first = clientFor(server);
    await first.login({ ...account, platform: 'desktop' });
    // A second device is new to the account: the first is asked about it and answers "Not me".
    await clientFor(server).login({ ...account, platform: 'web' });
    const { alerts } = await first.securityAlerts();
    await first.denyAlert(alerts[0]!.id);

    const result = await cli.run([
      'admin',
      'unlock',
      '--email',
      account.email,
      '--data',
      server.dataDir,
      '--server',
      server.url,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Unlocked login of ${account.email}\n` +
        'The account stays locked after "Not me" until its owner resets the password from the emailed link.\n',
    );
    expect(await loginCode(account.email, account.password)).toBe('ACCOUNT_LOCKED');
  });

  it('unlock refuses an unknown email and a folder without the operator token', async () => {
    const base = ['admin', 'unlock', '--email', 'nobody@example.test', '--server', server.url];
    const unknown = await cli.run([...base, '--data', server.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(VALIDATION_FAILED)');
    const wrongFolder = await cli.run([...base, '--data', '/nonexistent']);
    expect(wrongFolder.code).toBe(1);
    expect(wrongFolder.stderr).toContain('no readable admin-token');
    const missing = await cli.run(['admin', 'unlock', '--data', server.dataDir]);
    expect(missing.code).toBe(2);
  });

  /** Tries a login and returns OK or the server's refusal code. */
  async function loginCode(email: string, password = strongPassword): Promise<string> {
    try {
      await clientFor(server).login({ email, password, platform: 'web' });
      return 'OK';
    } catch (error) {
      if (error instanceof LockstepApiError) return error.code;
      throw error;
    }
  }

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

describe('lockstep admin mail', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-cli-mail-'));
  // The mailbox is read straight from the data folder: no server runs here.
  const cli = new CliHarness('http://127.0.0.1:9');
  beforeAll(async () => {
    const mailer = createMailer({ from: 'Lockstep <no-reply@lockstep.test>', dataDir });
    await mailer.send({
      to: 'alice@example.test',
      subject: 'Your sign-in link',
      text: 'Your anti-phishing code: owl\n\nSign in: https://lockstep.test/login?t=1\n',
      html: '<p>owl</p>',
    });
    await mailer.send({
      to: 'bob@example.test',
      subject: 'Reset \u001b[31mred\u001b[0m',
      text: 'Line one\n\u001b]0;pwned\u0007Line two',
      html: '<p>reset</p>',
    });
  });
  afterAll(() => {
    cli.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the mail to one address, header then body', async () => {
    const result = await cli.run(['admin', 'mail', '--data', dataDir, '--to', 'ALICE@example.test']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^time: +\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\n/);
    expect(result.stdout).toContain('to:      alice@example.test\nsubject: Your sign-in link\n\n');
    expect(result.stdout).toContain('Sign in: https://lockstep.test/login?t=1');
    expect(result.stdout).not.toContain('bob@example.test');
  });

  it('shows terminal escape sequences instead of running them', async () => {
    const result = await cli.run(['admin', 'mail', '--data', dataDir, '--to', 'bob@example.test']);
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).not.toContain('\u0007');
    expect(result.stdout).toContain('subject: Reset \\u{1b}[31mred\\u{1b}[0m');
    expect(result.stdout).toContain('Line one\n\\u{1b}]0;pwned\\u{7}Line two');
  });

  it('prints every mail as JSON, oldest first, and --limit keeps the newest', async () => {
    const all = await cli.json<StoredMail[]>(['admin', 'mail', '--data', dataDir]);
    expect(all.code).toBe(0);
    expect(all.body.map((m) => m.to)).toEqual(['alice@example.test', 'bob@example.test']);
    expect(all.body[0]).toMatchObject({ subject: 'Your sign-in link', html: '<p>owl</p>' });
    const newest = await cli.json<StoredMail[]>(['admin', 'mail', '--data', dataDir, '--limit', '1']);
    expect(newest.body.map((m) => m.to)).toEqual(['bob@example.test']);
    const filtered = await cli.json<StoredMail[]>([
      'admin',
      'mail',
      '--data',
      dataDir,
      '--to',
      'nobody@x.test',
    ]);
    expect(filtered.body).toEqual([]);
  });

  it('says where it looked when there is no mail, and refuses a bad --limit', async () => {
    const empty = join(dataDir, 'empty');
    const none = await cli.run(['admin', 'mail', '--data', empty]);
    expect(none).toMatchObject({ code: 0, stdout: `no mail in ${join(empty, 'mailbox.jsonl')}\n` });
    const bad = await cli.run(['admin', 'mail', '--data', dataDir, '--limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be a whole number from 1');
  });
});
