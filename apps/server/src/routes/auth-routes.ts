import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AccountView,
  LoginBody,
  LoginResponse,
  RegisterBody,
  RevokeResult,
  LockstepError,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { csrfCookie, principalOf, requireSession, sessionCookie } from '../http/authentication.ts';
import { presentAccount, presentSession } from '../services/presenters.ts';

const errors = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
};

/** Registration, login and logout of this device. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
export const authRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { auth, config, metrics }) => {
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
        description: 'A login on a full platform slot signs out the oldest session of that platform.',
        body: LoginBody,
        response: { 200: LoginResponse, ...errors },
      },
      config: { rateLimit: { max: config.loginPerIpPerMinuteMax, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      let outcome;
      try {
        outcome = await auth.login(request.body, {
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        });
      } catch (error) {
        metrics.logins.inc({ result: error instanceof LockstepError ? error.code : 'error' });
        throw error;
      }
      metrics.logins.inc({ result: 'success' });
      const session = presentSession(outcome.session, config.lifetimes, outcome.session.id);
      const evicted = outcome.evicted.map((s) => presentSession(s, config.lifetimes, outcome.session.id));
      const body = { account: presentAccount(outcome.account), session, evicted };
      if (!request.body.cookie) return { ...body, token: outcome.token };
      const maxAge = Math.floor(config.lifetimes.absoluteMs / 1000);
      const cookieOptions = { path: '/', sameSite: 'strict', secure: config.secureCookies, maxAge } as const;
      void reply.setCookie(sessionCookie, outcome.token, { ...cookieOptions, httpOnly: true });
      // The CSRF token is readable by the page's own script, which echoes it in X-CSRF-Token.
      void reply.setCookie(csrfCookie, outcome.csrfToken ?? '', { ...cookieOptions, httpOnly: false });
      return { ...body, csrfToken: outcome.csrfToken ?? undefined };
    },
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
