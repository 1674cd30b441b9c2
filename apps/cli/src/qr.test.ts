import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoginResponse, MeResponse } from '@lockstep/sdk';
import {
  clientFor,
  ManualClock,
  registerAccount,
  startTestServer,
  strongPassword,
  type TestServer,
} from '../../../test/support/server.ts';
import type { QrApproveOutput } from './commands/qr.ts';
import { loadProfile } from './profiles.ts';
import { CliHarness, useCliServer, type BackgroundRun } from './test-harness.ts';

const password = `${strongPassword}\n`;
const qrCode = /lockstep-qr:[A-Za-z0-9_-]+/;

/** The code a waiting `login --qr` shows, read from its stderr as a person reads it off the screen. */
async function shownCode(desk: BackgroundRun): Promise<string> {
  const [code] = await desk.stderrMatch(qrCode);
  return code;
}

describe('QR login (A3)', () => {
  let server: TestServer;
  let cli: CliHarness;
  let email: string;
  useCliServer((current) => ({ server, cli } = current));

  beforeEach(async () => {
    ({ email } = await registerAccount(server));
    // The phone: a profile of the same account, logged in with its password.
    const phone = await cli.run(
      ['login', '--email', email, '--password-stdin', '--profile', 'phone', '--platform', 'ios'],
      { input: password },
    );
    expect(phone.code).toBe(0);
  });

  it('logs a desktop profile in once the phone profile approves, replacing its earlier session', async () => {
    const earlier = await cli.json<LoginResponse>(
      ['login', '--email', email, '--password-stdin', '--profile', 'desk'],
      { input: password },
    );
    expect(earlier.code).toBe(0);

    const desk = cli.start(['login', '--qr', '--profile', 'desk']);
    const code = await shownCode(desk);
    expect(desk.stderr).toMatch(/The code works once, until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    // The picture comes before the text: rows of half blocks.
    expect(desk.stderr).toContain('▀');
    expect(desk.stdout).toBe('');

    const approve = await cli.run(['qr', 'approve', code, '--yes', '--profile', 'phone']);
    expect(approve).toMatchObject({ code: 0, stderr: '' });
    expect(approve.stdout).toContain(`A device asks to be logged in to ${email}:`);
    expect(approve.stdout).toMatch(/platform +desktop\n/);
    expect(approve.stdout).toMatch(/device +lockstep CLI on .+ \(desk\)\n/);
    expect(approve.stdout).toMatch(/IP +127\.0\.0\.1\n/);
    expect(approve.stdout).toMatch(/Approved: lockstep CLI on .+ \(desk\) \(desktop\) is logging in\n$/);

    const result = await desk.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in as ${email} on profile desk`);
    expect(result.stdout).toMatch(/platform\s+desktop/);
    expect(result.stdout).toContain(`replaced this profile's earlier session ${earlier.body.session.id}`);

    const me = await cli.json<MeResponse>(['whoami', '--profile', 'desk']);
    expect(me.code).toBe(0);
    expect(me.body.account.email).toBe(email);
    expect(me.body.session.platform).toBe('desktop');
    const stored = loadProfile(cli.configDir, 'desk');
    expect(stored).toMatchObject({ email, platform: 'desktop', sessionId: me.body.session.id });
    // The profile stays one device: the QR login used the id its password login had.
    expect(me.body.session.deviceId).toBe(earlier.body.session.deviceId);

    // The code was used up by this login.
    const reused = await cli.run(['qr', 'approve', code, '--yes', '--profile', 'phone']);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain('(QR_CODE_INVALID)');
  });

  it('approves nothing when the owner answers no; the desktop waits on until approved', async () => {
    const desk = cli.start(['login', '--qr', '--platform', 'web', '--profile', 'desk', '--json']);
    const code = await shownCode(desk);

    const declined = await cli.run(['qr', 'approve', code, '--profile', 'phone'], { input: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/platform +web\n/);
    expect(declined.stderr).toContain(`Log this device in to ${email}? [y/N] \nerror: Not approved\n`);
    // Nobody at the keyboard (stdin ends) is a no as well, never a yes.
    const unanswered = await cli.run(['qr', 'approve', code, '--profile', 'phone']);
    expect(unanswered.code).toBe(1);
    expect(desk.finished).toBeUndefined();
    expect(loadProfile(cli.configDir, 'desk')).toBeUndefined();

    // --json cannot ask, so it must be told.
    const unasked = await cli.run(['qr', 'approve', code, '--profile', 'phone', '--json']);
    expect(unasked.code).toBe(2);

    const approved = await cli.json<QrApproveOutput>(['qr', 'approve', code, '--yes', '--profile', 'phone']);
    expect(approved.code).toBe(0);
    expect(approved.body).toMatchObject({ approved: true, request: { platform: 'web', ip: '127.0.0.1' } });

    const result = await desk.result;
    expect(result.code).toBe(0);
    // With --json stdout is the one document; the picture and the code went to stderr.
    const login = JSON.parse(result.stdout) as LoginResponse;
    expect(login.session.platform).toBe('web');
    expect(login).not.toHaveProperty('token');
    expect(result.stderr).toContain(code);
    expect(loadProfile(cli.configDir, 'desk')).toMatchObject({
      platform: 'web',
      sessionId: login.session.id,
    });
  });

  it('is approved as well by a phone that uses the SDK', async () => {
    const phone = clientFor(server);
    await phone.login({ email, password: strongPassword, platform: 'android' });
    const desk = cli.start(['login', '--qr', '--profile', 'desk', '--device-name', 'Office PC']);
    const code = await shownCode(desk);

    const { request } = await phone.scanQr(code);
    expect(request).toMatchObject({ platform: 'desktop', deviceName: 'Office PC' });
    await phone.approveQr(code);

    const result = await desk.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/device\s+Office PC/);
  });

  it('refuses an unknown code, and --qr with a password or another platform', async () => {
    const garbage = await cli.run([
      'qr',
      'approve',
      'lockstep-qr:lnk_garbage',
      '--yes',
      '--profile',
      'phone',
    ]);
    expect(garbage).toMatchObject({ code: 1, stdout: '' });
    expect(garbage.stderr).toMatch(/^error: .+ \(QR_CODE_INVALID\)\n$/);
    const json = await cli.json<{ code: string }>([
      'qr',
      'approve',
      'nonsense',
      '--yes',
      '--profile',
      'phone',
    ]);
    expect(json).toMatchObject({ code: 1, body: { code: 'QR_CODE_INVALID' } });

    for (const argv of [
      ['login', '--qr', '--email', email],
      ['login', '--qr', '--password-stdin'],
      ['login', '--qr', '--platform', 'ios'],
      ['qr', 'approve'],
    ]) {
      const result = await cli.run(argv, { input: password });
      expect(result.code, argv.join(' ')).toBe(2);
    }
    const both = await cli.run(['login', '--qr', '--email', email, '--password-stdin'], { input: password });
    expect(both.stderr).toBe('error: --qr cannot be combined with --email or --password-stdin\n');

    const loggedOut = await cli.run(['qr', 'approve', 'lockstep-qr:lnk_x', '--yes', '--profile', 'nobody']);
    expect(loggedOut).toMatchObject({ code: 1 });
    expect(loggedOut.stderr).toContain('not logged in on profile nobody');
  });
});

describe('QR login that nobody approves', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let cli: CliHarness;

  beforeAll(async () => {
    server = await startTestServer({ now: clock.now });
    cli = new CliHarness(server.url);
  });
  afterAll(async () => {
    cli.dispose();
    await server.dispose();
  });

  it('ends with the server error when the code expires, and the code no longer scans', async () => {
    const { email } = await registerAccount(server);
    const phone = await cli.run(
      ['login', '--email', email, '--password-stdin', '--profile', 'phone', '--platform', 'ios'],
      { input: password },
    );
    expect(phone.code).toBe(0);
    const desk = cli.start(['login', '--qr', '--profile', 'desk']);
    const code = await shownCode(desk);

    clock.advance(3 * 60_000);
    const result = await desk.result;
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('(VERIFICATION_EXPIRED)');
    expect(loadProfile(cli.configDir, 'desk')).toBeUndefined();

    const late = await cli.run(['qr', 'approve', code, '--yes', '--profile', 'phone']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('(QR_CODE_INVALID)');
  });
});
