import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, linkIn } from '../../../../test/support/smtp.ts';
import { devMailRoutes } from '../routes/dev-mail-routes.ts';
import { composeSecurityMail } from './compose.ts';
import { createMailer, mailboxFile, readMailbox, type StoredMail } from './mailer.ts';

const from = 'Lockstep <no-reply@lockstep.test>';

describe('the SMTP mailer', () => {
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('delivers a mail with its text and HTML parts over real SMTP', async () => {
    const mailer = createMailer({ smtpUrl: sink.url, from, dataDir: '/nonexistent' });
    expect(mailer.kind).toBe('smtp');
    await mailer.send(
      composeSecurityMail({
        to: 'alice@example.test',
        subject: 'Your sign-in link',
        antiPhishingCode: 'owl-42',
        paragraphs: ['Someone asked to sign in to your account.'],
        action: { label: 'Sign in', url: 'https://lockstep.test/login?token=abc' },
      }),
    );
    await mailer.close();
    const mail = await sink.next((m) => m.subject === 'Your sign-in link');
    expect(mail.to).toEqual(['alice@example.test']);
    expect(mail.from).toBe('no-reply@lockstep.test');
    expect(mail.text).toContain('Your anti-phishing code: owl-42');
    expect(mail.html).toContain('<strong');
    expect(mail.html).toContain('owl-42');
    expect(linkIn(mail, /login/)).toBe('https://lockstep.test/login?token=abc');
  });

  it('hands each mail to one next() only, including mails that arrive later', async () => {
    const mailer = createMailer({ smtpUrl: sink.url, from, dataDir: '/nonexistent' });
    const later = sink.next((m) => m.to.includes('later@example.test'));
    const send = (to: string) => mailer.send({ to, subject: `for ${to}`, text: 'hi', html: '<p>hi</p>' });
    await send('first@example.test');
    await send('later@example.test');
    await expect(later).resolves.toMatchObject({ subject: 'for later@example.test' });
    expect((await sink.next((m) => m.subject.startsWith('for '))).subject).toBe('for first@example.test');
    await mailer.close();
  });
});

describe('the development mailbox', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-mailbox-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('appends one line per mail, readable by recipient, for the operator only', async () => {
    const dataDir = join(tempDir(), 'not-yet-created');
    const mailer = createMailer({ from, dataDir });
    expect(mailer.kind).toBe('mailbox');
    await mailer.send({ to: 'alice@example.test', subject: 'one', text: 't1', html: '<p>1</p>' });
    await mailer.send({ to: 'bob@example.test', subject: 'two', text: 't2', html: '<p>2</p>' });
    await mailer.send({ to: 'Alice@Example.TEST', subject: 'three', text: 't3', html: '<p>3</p>' });
    await mailer.close();

    expect(statSync(join(dataDir, mailboxFile)).mode & 0o777).toBe(0o600);
    const all = readMailbox(dataDir);
    expect(all.map((m) => m.subject)).toEqual(['one', 'two', 'three']);
    expect(all[0]).toMatchObject({ from, to: 'alice@example.test', text: 't1', html: '<p>1</p>' });
    expect(new Set(all.map((m) => m.id)).size).toBe(3);
    expect(Date.parse(all[0]!.sentAt)).not.toBeNaN();
    expect(readMailbox(dataDir, { to: 'ALICE@example.test' }).map((m) => m.subject)).toEqual([
      'one',
      'three',
    ]);
    expect(readMailbox(dataDir, { to: 'bob@example.test' }).map((m) => m.subject)).toEqual(['two']);
    expect(readMailbox(dataDir, { limit: 2 }).map((m) => m.subject)).toEqual(['two', 'three']);
  });

  it('keeps concurrent sends on separate lines', async () => {
    const dataDir = tempDir();
    const mailer = createMailer({ from, dataDir });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        mailer.send({ to: 'x@example.test', subject: `m${i}`, text: 'line\n'.repeat(200), html: '' }),
      ),
    );
    expect(readMailbox(dataDir)).toHaveLength(50);
  });

  it('skips corrupt lines and reads a missing mailbox as empty', async () => {
    const dataDir = tempDir();
    expect(readMailbox(dataDir)).toEqual([]);
    expect(readMailbox(join(dataDir, 'nowhere'))).toEqual([]);
    const mailer = createMailer({ from, dataDir });
    await mailer.send({ to: 'a@example.test', subject: 'before', text: '', html: '' });
    appendFileSync(join(dataDir, mailboxFile), '{"id":"torn","to":"a@exa\nnot json\n[1,2]\n{"id":7}\n');
    await mailer.send({ to: 'a@example.test', subject: 'after', text: '', html: '' });
    expect(readMailbox(dataDir).map((m) => m.subject)).toEqual(['before', 'after']);
  });

  it('rejects the send, not throws, when the data folder cannot be written', async () => {
    const dataDir = tempDir();
    appendFileSync(join(dataDir, 'a-file'), '');
    const mailer = createMailer({ from, dataDir: join(dataDir, 'a-file') });
    const sending = mailer.send({ to: 'a@example.test', subject: 's', text: '', html: '' });
    await expect(sending).rejects.toThrow();
  });
});

describe('GET /dev/mail', () => {
  let dataDir: string;
  const app = Fastify();
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lockstep-devmail-'));
    const mailer = createMailer({ from, dataDir });
    await mailer.send({ to: 'alice@example.test', subject: 'first', text: 'old', html: '' });
    await mailer.send({
      to: 'bob@example.test',
      subject: '<img src=x onerror=alert(1)>',
      text: 'Open https://lockstep.test/reset?t=1&x=<b>',
      html: '',
    });
    await app.register(devMailRoutes, { dataDir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the mailbox newest first, escaped, to loopback callers', async () => {
    const page = await app.inject({ url: '/dev/mail', remoteAddress: '127.0.0.1' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('<pre');
    expect(page.body.indexOf('bob@example.test')).toBeLessThan(page.body.indexOf('alice@example.test'));

    const json = await app.inject({ url: '/dev/mail.json?to=ALICE@example.test', remoteAddress: '::1' });
    expect(json.json<StoredMail[]>().map((m) => m.subject)).toEqual(['first']);
    const all = await app.inject({ url: '/dev/mail.json', remoteAddress: '::ffff:127.0.0.1' });
    expect(all.json<StoredMail[]>().map((m) => m.subject)).toEqual(['<img src=x onerror=alert(1)>', 'first']);
  });

  it('answers 404 to anyone not on the loopback interface', async () => {
    for (const url of ['/dev/mail', '/dev/mail.json']) {
      const response = await app.inject({ url, remoteAddress: '10.0.0.7' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect(response.body).not.toContain('alice');
    }
  });

  it('answers 404 to requests a proxy on the same machine relays', async () => {
    for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }]) {
      const response = await app.inject({ url: '/dev/mail.json', remoteAddress: '127.0.0.1', headers });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('alice');
    }
  });
});
