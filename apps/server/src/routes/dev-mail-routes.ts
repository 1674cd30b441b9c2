import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { LockstepError } from '@lockstep/protocol';
import { escapeHtml } from '../mail/compose.ts';
import { readMailbox, type StoredMail } from '../mail/mailer.ts';

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The development mailbox holds working login and reset links, so it is shown only to the machine
 * the server runs on; anyone else is told there is nothing here, as for any unknown path. A request
 * relayed by a proxy on the same machine also arrives from loopback, so one carrying forwarding
 * headers is refused too, and with a trusted proxy the forwarded client address must be loopback.
 */
const onlyFromLoopback: onRequestHookHandler = (request, reply, done) => {
  const relayed = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (!relayed && loopback.has(request.socket.remoteAddress ?? '') && loopback.has(request.ip)) {
    done();
    return;
  }
  void reply
    .code(404)
    .send(new LockstepError('NOT_FOUND', `no route ${request.method} ${request.url}`).toBody());
};

const MailQuery = Type.Object({
  to: Type.Optional(Type.String({ maxLength: 254 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

/**
 * `GET /dev/mail` (a page) and `GET /dev/mail.json`: the development mailbox of the data folder,
 * newest first, for a developer without an SMTP server. Registered only when no SMTP URL is set.
 */
export const devMailRoutes: FastifyPluginAsync<{ dataDir: string }> = async (
  fastify,
  { dataDir },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', onlyFromLoopback);

  const newestFirst = (query: { to?: string; limit?: number }): StoredMail[] =>
    readMailbox(dataDir, { to: query.to || undefined, limit: query.limit }).reverse();

  app.get('/dev/mail.json', { schema: { hide: true, querystring: MailQuery } }, (request) =>
    newestFirst(request.query),
  );

  app.get('/dev/mail', { schema: { hide: true, querystring: MailQuery } }, (request, reply) => {
    const mails = newestFirst(request.query);
    void reply
      .type('text/html; charset=utf-8')
      // Mail bodies are shown here: no script may run and nothing may load, whatever they contain.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('cache-control', 'no-store');
    return mailboxPage(mails, request.query.to);
  });
};

function mailboxPage(mails: StoredMail[], to: string | undefined): string {
  const title = to ? `Development mailbox: ${to}` : 'Development mailbox';
  const items = mails.map(
    (mail) => `<article style="margin:0 0 20px;padding:12px 16px;border:1px solid #d0d7de;border-radius:6px">
<div style="font-size:13px;color:#57606a">${escapeHtml(mail.sentAt)} · to <strong>${escapeHtml(mail.to)}</strong> · from ${escapeHtml(mail.from)}</div>
<h2 style="margin:6px 0 10px;font-size:17px">${escapeHtml(mail.subject)}</h2>
<pre style="margin:0;white-space:pre-wrap;word-break:break-all;font-size:13px">${escapeHtml(mail.text)}</pre>
</article>`,
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:0 auto;padding:24px;max-width:900px;font-family:system-ui,sans-serif;color:#1b1f24">
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
<p style="color:#57606a">Mail the server would have sent, newest first. Configure SMTP to deliver it instead. Filter with <code>?to=EMAIL</code>; JSON at <code>/dev/mail.json</code>.</p>
${items.length > 0 ? items.join('\n') : '<p>No mail yet.</p>'}
</body>
</html>
`;
}
