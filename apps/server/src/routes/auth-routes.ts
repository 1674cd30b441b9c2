import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import {
  AccountView,
  ApprovedLoginView,
  LinkTokenBody,
  LoginBody,
  LoginPending,
  LoginResponse,
  LoginWaitBody,
  HumanChallengeView,
  QrPending,
  QrStartBody,
  QrStartView,
  QrWaitBody,
  RegisterBody,
  RevokeResult,
  LockstepError,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import type { LoginOutcome } from '../services/auth-service.ts';
import { newId } from '../security/tokens.ts';
import type { SecurityService } from '../services/security-service.ts';
import { csrfCookie, principalOf, requireSession, sessionCookie } from '../http/authentication.ts';
import { presentAccount, presentSession } from '../services/presenters.ts';
import { errorResponses, clientOf, loginRateLimit } from './route-parts.ts';

const errors = errorResponses(400, 401, 403, 409, 429);

/** How long one POST /v1/auth/login/wait holds on before answering "still pending". */
const loginWaitMs = 20_000;

/** Registration, login and logout of this device. */
export const authRoutes: FastifyPluginAsyncTypebox<RouteDeps & { securityService: SecurityService }> = async (
  app,
  { auth, config, metrics, securityService },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  /** Hands a waiting device (email link or QR code) its session once its attempt was approved. */
  const collect = async (
    approved: NonNullable<Awaited<ReturnType<SecurityService['waitForLogin']>>>,
    reply: FastifyReply,
  ) => {
    const outcome = await auth.completeVerifiedLogin(approved.accountId, approved.attempt, approved.client);
    metrics.logins.inc({ result: 'success' });
    return loggedIn(outcome, approved.attempt.cookie, reply);
  };

  /** The body of a successful login; a browser's token goes into cookies instead of the body. */
  const loggedIn = (outcome: LoginOutcome, cookie: boolean | undefined, reply: FastifyReply) => {
    const session = presentSession(outcome.session, config.lifetimes, outcome.session.id);
    const evicted = outcome.evicted.map((s) => presentSession(s, config.lifetimes, outcome.session.id));
    const body = { account: presentAccount(outcome.account), session, evicted };
    if (!cookie) return { ...body, token: outcome.token };
    const maxAge = Math.floor(config.lifetimes.absoluteMs / 1000);
    const cookieOptions = { path: '/', sameSite: 'strict', secure: config.secureCookies, maxAge } as const;
    void reply.setCookie(sessionCookie, outcome.token, { ...cookieOptions, httpOnly: true });
    // The CSRF token is readable by the page's own script, which echoes it in X-CSRF-Token.
    void reply.setCookie(csrfCookie, outcome.csrfToken ?? '', { ...cookieOptions, httpOnly: false });
    return { ...body, csrfToken: outcome.csrfToken ?? undefined };
  };

  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: Type.Object({ account: AccountView }), ...errors },
      },
      config: { rateLimit: { max: config.registerPerIpMax, timeWindow: config.registerWindowMs } },
    },
    async (request, reply) => {
      const account = await auth.register(request.body);
      return reply.status(201).send({ account: presentAccount(account) });
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log this device in',
        description:
          'A login on a full platform slot signs out the oldest session of that platform. A login from a new device (or with too many devices online) answers 202: it waits until the owner opens the emailed link; collect the session with POST /v1/auth/login/wait.',
        body: LoginBody,
        response: { 200: LoginResponse, 202: LoginPending, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request, reply) => {
      let outcome;
      try {
        outcome = await auth.login(request.body, clientOf(request));
      } catch (error) {
        metrics.logins.inc({ result: error instanceof LockstepError ? error.code : 'error' });
        throw error;
      }
      if ('pending' in outcome) {
        metrics.logins.inc({ result: 'verification_required' });
        return reply.status(202).send({ verification: outcome.pending });
      }
      metrics.logins.inc({ result: 'success' });
      return loggedIn(outcome, request.body.cookie, reply);
    },
  );

  app.post(
    '/v1/auth/login/wait',
    {
      schema: {
        tags: ['auth'],
        summary: 'Collect the session of a login waiting for its emailed link',
        description:
          'Answers 200 with the session as soon as the link is opened, or 202 after about 20 s while it still waits (ask again). Only the device that made the attempt holds its waitToken; the session is handed out once.',
        body: LoginWaitBody,
        response: { 200: LoginResponse, 202: LoginPending, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request, reply) => {
      const approved = await securityService.waitForLogin(
        request.body.id,
        request.body.waitToken,
        loginWaitMs,
      );
      if (!approved) {
        const pending = await securityService.pendingLogin(request.body.id);
        return reply.status(202).send({ verification: { ...pending, waitToken: request.body.waitToken } });
      }
      return collect(approved, reply);
    },
  );

  app.get(
    '/v1/auth/human-challenge',
    {
      schema: {
        tags: ['auth'],
        summary: 'A proof-of-work challenge (ALTCHA) for logins the server asks to prove a human is there',
        response: { 200: HumanChallengeView, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return securityService.humanChallenge();
    },
  );

  app.post(
    '/v1/auth/qr',
    {
      schema: {
        tags: ['auth'],
        summary: 'QR login: a code for a logged-in phone to scan and confirm (single-use, 2 minutes)',
        body: QrStartBody,
        response: { 200: QrStartView, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request) =>
      securityService.startQrLogin(
        {
          platform: request.body.platform,
          deviceId: request.body.deviceId ?? newId('dev', 16),
          ...(request.body.deviceName !== undefined ? { deviceName: request.body.deviceName } : {}),
          ...(request.body.cookie !== undefined ? { cookie: request.body.cookie } : {}),
        },
        clientOf(request),
      ),
  );

  app.post(
    '/v1/auth/qr/wait',
    {
      schema: {
        tags: ['auth'],
        summary: 'Collect the session of a QR login once a phone confirmed it',
        description:
          'Answers 200 with a fresh session as soon as the phone confirms, or 202 with the status (pending, scanned) after about 20 s (ask again).',
        body: QrWaitBody,
        response: { 200: LoginResponse, 202: QrPending, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request, reply) => {
      const approved = await securityService.waitForLogin(
        request.body.id,
        request.body.waitToken,
        loginWaitMs,
        request.body.seen ?? 'pending',
      );
      if (!approved) return reply.status(202).send({ qr: await securityService.qrStatus(request.body.id) });
      return collect(approved, reply);
    },
  );

  app.post(
    '/v1/auth/verify-login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Approve a waiting login with the token of its emailed link (single-use)',
        body: LinkTokenBody,
        response: { 200: ApprovedLoginView, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request) => ({
      approved: true as const,
      device: await securityService.approveLogin(request.body.token, clientOf(request)),
    }),
  );

  app.post(
    '/v1/auth/logout',
    {
      onRequest: requireSession(auth),
      schema: { tags: ['auth'], summary: 'Log this device out', response: { 200: RevokeResult, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const revoked = await auth.revokeSession(principal, principal.session.id);
      void reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(csrfCookie, { path: '/' });
      return { revoked };
    },
  );
};
