import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { LinkTokenBody, PasswordResetBody } from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import type { SecurityService } from '../services/security-service.ts';
import { errorResponses, clientOf, loginRateLimit } from './route-parts.ts';

const errors = errorResponses(400, 403, 429);

/**
 * The page an emailed reset link opens. The link carries its token in the fragment (`#token=`),
 * which browsers never send to the server, so it appears in no request line or access log; the
 * page's script posts it with the new password.
 */
const resetPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Lockstep: choose a new password</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem">
<h1>Choose a new password</h1>
<form id="reset"><label>New password <input id="password" type="password" autocomplete="new-password" minlength="12" required style="width:100%"></label>
<p><button type="submit">Set password</button></p></form>
<p id="result" role="status"></p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
document.getElementById('reset').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/v1/auth/password-reset', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, newPassword: document.getElementById('password').value }),
  });
  const body = await response.json();
  document.getElementById('result').textContent = response.ok
    ? 'Your password is set. You can log in again.'
    : body.message;
});
</script></body></html>
`;

/** The page a new-device verification link opens: it shows what it approves and asks first. */
const verifyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Lockstep: approve a login</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem">
<h1>Approve a login</h1>
<p>A device is waiting to log in to your Lockstep account. The email you opened says which device,
from where and when. Approve only if that was you.</p>
<p><button id="approve" type="button">It was me: approve</button></p>
<p id="result" role="status"></p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
document.getElementById('approve').addEventListener('click', async () => {
  const response = await fetch('/v1/auth/verify-login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const body = await response.json();
  document.getElementById('result').textContent = response.ok
    ? 'Approved: ' + body.device.deviceName + ' (' + body.device.platform + ') from ' + body.device.ip + ' is logging in now.'
    : body.message;
});
</script></body></html>
`;

/** The page an emailed unlock link opens (after too many failed logins). */
const unlockPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Lockstep: unlock login</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem">
<h1>Unlock login</h1>
<p>Logging in to your account was locked after too many failed attempts. If they were yours, unlock now.</p>
<p><button id="unlock" type="button">Unlock</button></p>
<p id="result" role="status"></p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
document.getElementById('unlock').addEventListener('click', async () => {
  const response = await fetch('/v1/auth/unlock-login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const body = await response.json();
  document.getElementById('result').textContent = response.ok ? 'Unlocked. You can log in again.' : body.message;
});
</script></body></html>
`;

const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'; style-src 'unsafe-inline'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Routes opened from emailed links, without a session. */
export const linkRoutes: FastifyPluginAsyncTypebox<RouteDeps & { securityService: SecurityService }> = async (
  app,
  { config, securityService },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.post(
    '/v1/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password from an emailed reset link (single-use); unlocks login',
        body: PasswordResetBody,
        response: { 200: Type.Object({ reset: Type.Literal(true) }), ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request) => {
      await securityService.resetPassword(request.body, clientOf(request));
      return { reset: true as const };
    },
  );

  // Opening a link only shows a page; nothing is approved or changed until its button is pressed,
  // so mail scanners that fetch links cannot approve a login or use up a reset link.
  app.get('/reset-password', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').headers(pageHeaders).send(resetPage),
  );
  app.post(
    '/v1/auth/unlock-login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Lift the failed-login lock with the token of the emailed unlock link (single-use)',
        body: LinkTokenBody,
        response: { 200: Type.Object({ unlocked: Type.Literal(true) }), ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request) => {
      await securityService.unlockFromLink(request.body.token, clientOf(request));
      return { unlocked: true as const };
    },
  );
  app.get('/unlock-login', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').headers(pageHeaders).send(unlockPage),
  );
  app.get('/verify-login', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').headers(pageHeaders).send(verifyPage),
  );
};
