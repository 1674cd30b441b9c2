import type { OutgoingMail } from './mailer.ts';

/** What a security mail says; every string may carry user input and is escaped in the HTML part. */
export interface SecurityMailInput {
  to: string;
  subject: string;
  /** The account's anti-phishing code, or null when the user has not set one. */
  antiPhishingCode: string | null;
  paragraphs: string[];
  action?: { label: string; url: string };
}

const noCodeHint =
  'You have not set an anti-phishing code. Set one in Security settings and every genuine Lockstep ' +
  'email will show it here, so you can recognise mail that really comes from Lockstep.';

const signature = 'The Lockstep team';

/**
 * A security mail (login link, password reset, new device…) in text and HTML. The anti-phishing
 * code leads both parts: a phishing mail cannot know it, so users learn to look for it first.
 */
export function composeSecurityMail(input: SecurityMailInput): OutgoingMail {
  return {
    to: input.to,
    subject: input.subject,
    text: textPart(input),
    html: htmlPart(input),
  };
}

function codeLine(code: string | null): string {
  return code === null ? noCodeHint : `Your anti-phishing code: ${code}`;
}

function textPart(input: SecurityMailInput): string {
  const blocks = [codeLine(input.antiPhishingCode), ...input.paragraphs];
  if (input.action) blocks.push(`${input.action.label}: ${input.action.url}`);
  blocks.push(signature);
  return `${blocks.join('\n\n')}\n`;
}

const font = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif";

function htmlPart(input: SecurityMailInput): string {
  const code = input.antiPhishingCode;
  const codeBlock =
    code === null
      ? `<p style="margin:0 0 20px;padding:12px 16px;background:#fff8e1;border:1px solid #f0c36d;border-radius:6px;font-size:14px;line-height:1.5">${escapeHtml(noCodeHint)}</p>`
      : `<p style="margin:0 0 20px;padding:12px 16px;background:#eef6ff;border:1px solid #b6d4fe;border-radius:6px;font-size:15px">Your anti-phishing code: <strong style="font-family:monospace;font-size:20px;letter-spacing:2px">${escapeHtml(code)}</strong></p>`;
  const paragraphs = input.paragraphs
    .map((text) => `<p style="margin:0 0 16px;font-size:15px;line-height:1.5">${escapeHtml(text)}</p>`)
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(input.subject)}</title></head>`,
    `<body style="margin:0;padding:24px;background:#f4f5f7;color:#1b1f24;${font}">`,
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px">',
    codeBlock,
    paragraphs,
    input.action ? actionBlock(input.action) : '',
    `<p style="margin:24px 0 0;font-size:13px;color:#57606a">${signature}</p>`,
    '</div>',
    '</body>',
    '</html>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function actionBlock(action: { label: string; url: string }): string {
  const label = escapeHtml(action.label);
  const url = escapeHtml(action.url);
  // Only a web link becomes a button: a javascript: or data: URL must never be clickable.
  if (!/^https?:\/\//i.test(action.url)) {
    return `<p style="margin:0 0 16px;font-size:15px">${label}: ${url}</p>`;
  }
  return [
    `<p style="margin:8px 0 16px"><a href="${url}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold">${label}</a></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:#57606a;word-break:break-all">If the button does not work, open this link: <a href="${url}" style="color:#1f6feb">${url}</a></p>`,
  ].join('\n');
}

/** Text made inert inside HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
