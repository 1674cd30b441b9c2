import { describe, expect, it } from 'vitest';
import { composeSecurityMail } from './compose.ts';

const base = {
  to: 'alice@example.test',
  subject: 'Reset your password',
  paragraphs: ['Someone asked to reset the password of your Lockstep account.'],
  action: { label: 'Choose a new password', url: 'https://lockstep.test/reset?token=abc&u=1' },
};

describe('composeSecurityMail', () => {
  it('leads both parts with the anti-phishing code', () => {
    const mail = composeSecurityMail({ ...base, antiPhishingCode: 'blue-otter' });
    expect(mail).toMatchObject({ to: base.to, subject: base.subject });
    const firstLine = mail.text.split('\n')[0];
    expect(firstLine).toBe('Your anti-phishing code: blue-otter');
    expect(mail.html).toMatch(/Your anti-phishing code: <strong[^>]*>blue-otter<\/strong>/);
    // Near the top: before any paragraph of the message.
    expect(mail.html.indexOf('blue-otter')).toBeLessThan(mail.html.indexOf('Someone asked'));
  });

  it('tells a user without a code how to set one', () => {
    const mail = composeSecurityMail({ ...base, antiPhishingCode: null });
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('You have not set an anti-phishing code');
      expect(part).toContain('Security settings');
      expect(part).not.toContain('Your anti-phishing code:');
    }
  });

  it('lists the action as "label: url" in the text part and links it in the HTML part', () => {
    const mail = composeSecurityMail({ ...base, antiPhishingCode: 'x' });
    expect(mail.text).toContain('Choose a new password: https://lockstep.test/reset?token=abc&u=1\n');
    expect(mail.html).toContain('href="https://lockstep.test/reset?token=abc&#38;u=1"');
    expect(mail.text).toContain('Someone asked to reset the password');
  });

  it('escapes every user-influenced string in the HTML part', () => {
    const mail = composeSecurityMail({
      to: base.to,
      subject: '<b>subject</b>',
      antiPhishingCode: '<script>alert(1)</script>',
      paragraphs: ['Hello <script>steal()</script> & "friends"'],
      action: { label: '<i>go</i>', url: 'https://x.test/"><script>bad()</script>' },
    });
    expect(mail.html).not.toMatch(/<script|<i>|<b>/);
    expect(mail.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(mail.html).toContain('Hello &#60;script&#62;steal()&#60;/script&#62; &#38; &#34;friends&#34;');
    expect(mail.html).toContain('href="https://x.test/&#34;&#62;&#60;script&#62;bad()&#60;/script&#62;"');
    // The text part is plain text: it keeps the code as the user typed it.
    expect(mail.text).toContain('Your anti-phishing code: <script>alert(1)</script>');
  });

  it('never makes a non-web URL clickable', () => {
    const mail = composeSecurityMail({
      ...base,
      antiPhishingCode: 'x',
      action: { label: 'Open', url: 'javascript:alert(1)' },
    });
    expect(mail.html).not.toContain('href=');
    expect(mail.html).toContain('Open: javascript:alert(1)');
  });

  it('uses no external resources', () => {
    const mail = composeSecurityMail({ ...base, antiPhishingCode: 'x' });
    expect(mail.html).not.toMatch(/<img|<link|<script|src=|url\(/i);
  });
});
