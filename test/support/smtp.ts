import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted, parsed as a mail client would see it. */
export interface ReceivedMail {
  /** The envelope recipients (RCPT TO), which is where the mail was really delivered. */
  to: string[];
  /** The address of the From header (the envelope sender when the header has none). */
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: ParsedMail;
}

export interface SmtpSink {
  /** For nodemailer's createTransport, e.g. `smtp://127.0.0.1:40123`. */
  url: string;
  /** Every mail so far, in arrival order. */
  received: ReceivedMail[];
  /**
   * The first mail matching `predicate`, already received or still to come, that no earlier
   * `next` call returned; rejects after 10 s so a missing mail fails the test with a reason.
   */
  next(predicate?: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

interface Waiter {
  predicate: (mail: ReceivedMail) => boolean;
  resolve: (mail: ReceivedMail) => void;
  reject: (error: Error) => void;
}

const nextTimeoutMs = 10_000;

/** A real SMTP server on an ephemeral loopback port that keeps every mail it is sent. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: Waiter[] = [];

  function deliver(mail: ReceivedMail): void {
    received.push(mail);
    const index = waiters.findIndex((waiter) => waiter.predicate(mail));
    if (index < 0) return;
    const [waiter] = waiters.splice(index, 1);
    taken.add(mail);
    waiter!.resolve(mail);
  }

  const server = new SMTPServer({
    authOptional: true,
    // Plain text only: nothing to negotiate, and no self-signed certificate for the client to refuse.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const envelopeFrom = session.envelope.mailFrom;
          deliver({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: parsed.from?.value[0]?.address ?? (envelopeFrom ? envelopeFrom.address : ''),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html || '',
            raw: parsed,
          });
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    next(predicate = () => true) {
      const ready = received.find((mail) => !taken.has(mail) && predicate(mail));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          const seen = received.map((mail) => `${mail.to.join(',')}: ${mail.subject}`).join('; ') || 'none';
          reject(new Error(`no matching mail within ${nextTimeoutMs} ms (received: ${seen})`));
        }, nextTimeoutMs);
        const waiter: Waiter = {
          predicate,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.push(waiter);
      });
    },
    async close() {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('the SMTP sink was closed'));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The first http(s) link in a mail's text part (the first one matching `pattern` when given);
 * throws when there is none, so a test fails at the mail rather than at a later fetch.
 */
export function linkIn(mail: ReceivedMail, pattern?: RegExp): string {
  for (const [match] of mail.text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    // Sentence punctuation after a link is not part of it.
    const url = match.replace(/[.,;:!?)\]]+$/, '');
    // search() ignores lastIndex, so a pattern with the g flag behaves the same on every call.
    if (!pattern || url.search(pattern) >= 0) return url;
  }
  throw new Error(`no link${pattern ? ` matching ${String(pattern)}` : ''} in the mail "${mail.subject}"`);
}
