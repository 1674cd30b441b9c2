import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoginHistoryPage, LoginResponse, MeResponse, RevokeResult, SessionList } from '@lockstep/sdk';
import { strongPassword, uniqueEmail, type TestServer } from '../../../test/support/server.ts';
import { loadProfile, type Profile } from './profiles.ts';
import { FakeTerminal, useCliServer, type CliHarness } from './test-harness.ts';

let server: TestServer;
let cli: CliHarness;
useCliServer((current) => ({ server, cli } = current));

const password = `${strongPassword}\n`;

/** A local URL nothing listens on: a port the system just handed out and took back. */
async function closedServerUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function profile(name: string): Profile {
  const stored = loadProfile(cli.configDir, name);
  if (!stored) throw new Error(`no profile ${name}`);
  return stored;
}

/** Registers a new account on the default profile (desktop) and returns its email. */
async function registered(): Promise<string> {
  const email = uniqueEmail('cli');
  const result = await cli.run(['register', '--email', email, '--password-stdin'], { input: password });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return email;
}

async function login(email: string, name: string, platform: string): Promise<LoginResponse> {
  const args = ['login', '--email', email, '--password-stdin', '--profile', name, '--platform', platform];
  const { code, body } = await cli.json<LoginResponse>(args, { input: password });
  expect(code).toBe(0);
  return body;
}

describe('register and login', () => {
  it('registers, logs the newcomer in at once, and stores no password', async () => {
    const email = uniqueEmail('cli');
    const result = await cli.run(['register', '--email', email, '--password-stdin'], { input: password });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Registered ${email}`);
    expect(result.stdout).toContain(`Logged in as ${email} on profile default`);
    expect(result.stdout).toMatch(/platform\s+desktop/);

    const me = await cli.json<MeResponse>(['whoami']);
    expect(me.body.account.email).toBe(email);
    expect(me.body.session.deviceName).toMatch(/^lockstep CLI on .+ \(default\)$/);

    const path = join(cli.configDir, 'profiles', 'default.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(cli.configDir, 'profiles')).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(strongPassword);
    const stored = JSON.parse(text) as Profile;
    expect(Object.keys(stored).sort()).toEqual(
      ['deviceId', 'email', 'platform', 'server', 'sessionId', 'token'].sort(),
    );
    expect(stored).toMatchObject({
      server: server.url,
      email,
      platform: 'desktop',
      sessionId: me.body.session.id,
    });
    expect(stored.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(me.body.session.deviceId).toBe(stored.deviceId);
  });

  it("keeps one device id per profile across logins, and a new login replaces the profile's session", async () => {
    const email = await registered();
    const first = await login(email, 'browser', 'web');
    const again = await cli.run(['login', '--password-stdin', '--profile', 'browser', '--platform', 'web'], {
      input: password,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`replaced this profile's earlier session ${first.session.id}`);
    const { body } = await cli.json<SessionList>(['devices', '--profile', 'browser']);
    const web = body.sessions.filter((s) => s.platform === 'web');
    expect(web).toHaveLength(1);
    expect(web[0]!.deviceId).toBe(first.session.deviceId);
    expect(JSON.stringify(first)).not.toContain(profile('browser').token!);
  });

  it('reports a wrong password with the server code, as text or as JSON', async () => {
    const email = await registered();
    const wrong = ['login', '--email', email, '--password-stdin', '--profile', 'other'];
    const text = await cli.run(wrong, { input: 'not-the-password-at-all\n' });
    expect(text).toMatchObject({ code: 1, stdout: '' });
    expect(text.stderr).toBe('error: email or password is wrong (INVALID_CREDENTIALS)\n');
    const json = await cli.json<{ code: string; message: string }>(wrong, {
      input: 'still-not-the-password\n',
    });
    expect(json.code).toBe(1);
    expect(json.body).toEqual({ code: 'INVALID_CREDENTIALS', message: 'email or password is wrong' });
    expect(loadProfile(cli.configDir, 'other')).toBeUndefined();
  });

  it('asks for the password twice without echo on a terminal, and refuses a mismatch', async () => {
    const terminal = new FakeTerminal();
    terminal.typeWhenAsked(`${strongPassword}\r`, `${strongPassword}x\r`);
    const result = await cli.run(['register', '--email', uniqueEmail('cli')], { stdin: terminal });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('Password: ');
    expect(result.stderr).toContain('Repeat password: ');
    expect(result.stderr).toContain('error: the two passwords do not match');
    expect(result.stderr).not.toContain(strongPassword);
    expect(terminal.rawModes).toEqual([true, false, true, false]);

    const matching = new FakeTerminal();
    matching.typeWhenAsked(`${strongPassword}\r`, `${strongPassword}\r`);
    const ok = await cli.run(['register', '--email', uniqueEmail('cli')], { stdin: matching });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Logged in as');
  });
});

describe('devices of one account', () => {
  it('lists every profile as a device, marking the current one', async () => {
    const email = await registered();
    await login(email, 'phone', 'ios');
    await login(email, 'web1', 'web');
    await login(email, 'web2', 'web');
    const { code, body } = await cli.json<SessionList>(['devices', '--profile', 'phone']);
    expect(code).toBe(0);
    expect(body.sessions.map((s) => s.platform).sort()).toEqual(['desktop', 'ios', 'web', 'web']);
    expect(body.sessions.filter((s) => s.current).map((s) => s.id)).toEqual([profile('phone').sessionId]);
    expect(body.sessions.map((s) => s.deviceName)).toContain(
      body.sessions.find((s) => s.current)!.deviceName,
    );

    const table = await cli.run(['devices']);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^\s+ID\s+PLATFORM\s+DEVICE\s+IP\s+CREATED\s+LAST ACTIVE$/);
    const current = lines.filter((line) => line.startsWith('* '));
    expect(current).toHaveLength(1);
    expect(current[0]).toContain(profile('default').sessionId!);
    expect(current[0]).toMatch(
      /desktop .*127\.0\.0\.1\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    );
  });

  it('a second ios login reports the eviction, and the evicted profile learns why', async () => {
    const email = await registered();
    const first = await login(email, 'phone1', 'ios');
    const second = await cli.run(
      ['login', '--email', email, '--password-stdin', '--profile', 'phone2', '--platform', 'ios'],
      {
        input: password,
      },
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`signed out your older ios session ${first.session.id} (`);

    const evicted = await cli.run(['whoami', '--profile', 'phone1']);
    expect(evicted.code).toBe(1);
    expect(evicted.stderr).toContain(
      'This device was signed out because a newer login on the same platform took its slot. (SESSION_REVOKED)',
    );
    expect(profile('phone1').token).toBeNull();
    expect(profile('phone1').deviceId).toBe(first.session.deviceId);
  });

  it('logout --device signs another profile out; its next command says so and forgets the token', async () => {
    const email = await registered();
    const phone = await login(email, 'phone', 'ios');
    const result = await cli.run(['logout', '--device', phone.session.id]);
    expect(result).toMatchObject({ code: 0, stdout: `Signed out session ${phone.session.id}.\n` });

    const next = await cli.json<{ code: string; message: string }>(['devices', '--profile', 'phone']);
    expect(next.code).toBe(1);
    expect(next.body).toMatchObject({
      code: 'SESSION_REVOKED',
      message: 'This device was signed out from another device of the account.',
    });
    expect(profile('phone')).toMatchObject({ token: null, sessionId: null, email });

    const after = await cli.run(['devices', '--profile', 'phone']);
    expect(after).toMatchObject({
      code: 1,
      stderr: 'error: not logged in on profile phone; run lockstep login --profile phone\n',
    });
  });

  it('logout --others keeps only this device', async () => {
    const email = await registered();
    await login(email, 'phone', 'ios');
    await login(email, 'web1', 'web');
    const { code, body } = await cli.json<RevokeResult>(['logout', '--others']);
    expect(code).toBe(0);
    expect(body.revoked).toHaveLength(2);
    const { body: left } = await cli.json<SessionList>(['devices']);
    expect(left.sessions.map((s) => s.id)).toEqual([profile('default').sessionId]);
    const web = await cli.run(['whoami', '--profile', 'web1']);
    expect(web.stderr).toContain(
      'This device was signed out when another device logged out all other devices. (SESSION_REVOKED)',
    );
    expect(profile('web1').token).toBeNull();
  });

  it('logout --all signs out every device, this one included', async () => {
    const email = await registered();
    await login(email, 'phone', 'ios');
    const result = await cli.run(['logout', '--all', '--profile', 'phone']);
    expect(result).toMatchObject({ code: 0, stdout: 'Signed out all 2 devices, this one included.\n' });
    expect(profile('phone').token).toBeNull();
    const desktop = await cli.run(['devices']);
    expect(desktop.code).toBe(1);
    expect(desktop.stderr).toContain(
      'This device was signed out when every device of the account was logged out.',
    );
    expect(profile('default').token).toBeNull();
  });

  it('logout of this device asks on a terminal, and does nothing when declined', async () => {
    await registered();
    const declining = new FakeTerminal();
    declining.typeWhenAsked('n\n');
    const declined = await cli.run(['logout'], { stdin: declining });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/Log out this device \(profile default, session ses_\S+\)\? \[y\/N\] /);
    expect(profile('default').token).not.toBeNull();

    const accepting = new FakeTerminal();
    accepting.typeWhenAsked('y\n');
    const accepted = await cli.run(['logout'], { stdin: accepting });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^Logged out this device \(session ses_\S+\)\.\n$/);
    expect(profile('default').token).toBeNull();
  });

  it('refuses conflicting logout flags as a usage error and signs nothing out', async () => {
    const email = await registered();
    await login(email, 'phone', 'ios');
    for (const flags of [
      ['--others', '--all'],
      ['--device', 'ses_x', '--others'],
      ['--device', 'ses_x', '--all'],
    ]) {
      const result = await cli.run(['logout', ...flags, '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: choose one of --device, --others and --all/);
    }
    const { body } = await cli.json<SessionList>(['devices']);
    expect(body.sessions).toHaveLength(2);
  });
});

describe('history, errors and usage', () => {
  it('history shows successes and a failure after a wrong password', async () => {
    const email = await registered();
    await cli.run(['login', '--email', email, '--password-stdin', '--profile', 'x'], {
      input: 'wrong-password-123\n',
    });
    await login(email, 'phone', 'ios');
    const { code, body } = await cli.json<LoginHistoryPage>(['history']);
    expect(code).toBe(0);
    expect(body.entries.map((e) => [e.success, e.failureReason, e.platform])).toEqual([
      [true, null, 'ios'],
      [false, 'invalid_credentials', 'desktop'],
      [true, null, 'desktop'],
    ]);
    const limited = await cli.json<LoginHistoryPage>(['history', '--limit', '1']);
    expect(limited.body.entries).toHaveLength(1);
    expect(limited.body.nextBefore).not.toBeNull();
    const paged = await cli.run(['history', '--limit', '1', '--profile', 'phone']);
    expect(paged.stdout).toContain(
      `older entries: lockstep history --before ${limited.body.nextBefore} --profile phone`,
    );

    const table = await cli.run(['history']);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+RESULT\s+PLATFORM\s+DEVICE\s+IP$/);
    expect(table.stdout).toMatch(
      /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+failed: invalid_credentials\s+desktop\s+lockstep CLI on .+ \(x\)\s+127\.0\.0\.1/,
    );
  });

  it('usage errors exit 2; refusals and missing logins exit 1 with one line', async () => {
    const usage = [
      ['devices', '--bogus'],
      ['login', '--email', 'a@b.test', '--platform', 'toaster'],
      ['devices', '--profile', '../etc'],
      ['history', '--limit', '0'],
      ['login', '--password-stdin'],
      ['devices', '--server', 'ftp://example.test'],
      ['nonsense'],
    ];
    for (const argv of usage) expect((await cli.run(argv)).code, argv.join(' ')).toBe(2);

    const missing = await cli.run(['whoami', '--profile', 'nobody']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'error: not logged in on profile nobody; run lockstep login --profile nobody\n',
    });
    const json = await cli.json<{ code: string }>(['whoami']);
    expect(json.body.code).toBe('NOT_LOGGED_IN');

    const nowhere = await closedServerUrl();
    const down = await cli.run(['login', '--email', 'a@b.test', '--password-stdin', '--server', nowhere], {
      input: password,
    });
    expect(down).toMatchObject({
      code: 1,
      stderr: `error: cannot reach the Lockstep server at ${nowhere} (ECONNREFUSED)\n`,
    });
  });

  it('does not send a profile token to another server than the one that issued it', async () => {
    await registered();
    const elsewhere = await closedServerUrl();
    const result = await cli.run(['devices', '--server', elsewhere]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`it is logged in at ${server.url}, not ${elsewhere}`);
  });

  it('serve takes the server options', async () => {
    const help = await cli.run(['serve', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--port', '--host', '--data', '--slots']) expect(help.stdout).toContain(flag);
  });
});
