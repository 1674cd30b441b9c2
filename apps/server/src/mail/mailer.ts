import { randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';

/** One mail as the server composes it: both parts, so every client shows something sensible. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A mail as the development mailbox keeps it, one JSON line each. */
export interface StoredMail extends OutgoingMail {
  id: string;
  from: string;
  /** ISO time the mail was written. */
  sentAt: string;
}

/** Sends the server's mail: over SMTP in production, into the data folder's mailbox in development. */
export interface Mailer {
  readonly kind: 'smtp' | 'mailbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/** The development mailbox, inside the data folder. */
export const mailboxFile = 'mailbox.jsonl';

/**
 * An SMTP mailer when `smtpUrl` is given (e.g. `smtp://user:pass@mail.example.com:587`), else the
 * development mailbox in `dataDir`, which `lockstep admin mail` and `GET /dev/mail` read.
 */
export function createMailer(options: { smtpUrl?: string; from: string; dataDir: string }): Mailer {
  return options.smtpUrl
    ? smtpMailer(options.smtpUrl, options.from)
    : mailboxMailer(options.dataDir, options.from);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport(smtpUrl);
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}

function mailboxMailer(dataDir: string, from: string): Mailer {
  const file = join(dataDir, mailboxFile);
  let secured = false;
  return {
    kind: 'mailbox',
    send: (mail) =>
      settle(() => {
        const stored: StoredMail = {
          id: randomUUID(),
          sentAt: new Date().toISOString(),
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
        };
        mkdirSync(dataDir, { recursive: true });
        // One synchronous append per mail: concurrent sends can never interleave their lines.
        appendFileSync(file, `${JSON.stringify(stored)}\n`, { mode: 0o600 });
        // The mode above applies only when the file is created; a file left by hand or by an
        // older version is tightened once, since its mails carry single-use login links.
        if (!secured) chmodSync(file, 0o600);
        secured = true;
      }),
    close: () => Promise.resolve(),
  };
}

/** Runs synchronous work as a promise, so a failure reaches the caller as a rejection, not a throw. */
function settle(work: () => void): Promise<void> {
  return new Promise((resolve) => {
    work();
    resolve();
  });
}

/**
 * The development mailbox of a data folder, oldest first (newest last). `to` matches
 * case-insensitively; `limit` keeps the newest mails. A missing mailbox is empty, and a line that
 * is not a whole mail (a torn write, a hand edit) is skipped.
 */
export function readMailbox(dataDir: string, filter: { to?: string; limit?: number } = {}): StoredMail[] {
  let content: string;
  try {
    content = readFileSync(join(dataDir, mailboxFile), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const to = filter.to?.toLowerCase();
  const mails: StoredMail[] = [];
  for (const line of content.split('\n')) {
    const mail = parseLine(line);
    if (mail && (to === undefined || mail.to.toLowerCase() === to)) mails.push(mail);
  }
  if (filter.limit === undefined) return mails;
  return filter.limit > 0 ? mails.slice(-filter.limit) : [];
}

function parseLine(line: string): StoredMail | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, sentAt, from, to, subject, text, html } = value as Record<string, unknown>;
  if (
    typeof id !== 'string' ||
    typeof sentAt !== 'string' ||
    typeof from !== 'string' ||
    typeof to !== 'string' ||
    typeof subject !== 'string' ||
    typeof text !== 'string' ||
    typeof html !== 'string'
  )
    return undefined;
  return { id, sentAt, from, to, subject, text, html };
}
