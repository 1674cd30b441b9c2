import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  LoginHistoryPage,
  MeResponse,
  PageQuery,
  RevokeResult,
  SessionIdParams,
  SessionList,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { principalOf, requireSession } from '../http/authentication.ts';
import { presentAccount, presentSession } from '../services/presenters.ts';

const errors = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
};

/** The account's devices (sessions), signing them out, and login history. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
export const sessionRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { auth, config }) => {
  // Authentication runs before validation, so an anonymous caller learns nothing about the route's input rules.
  app.addHook('onRequest', requireSession(auth));
  const security: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];

  app.get(
    '/v1/me',
    { schema: { tags: ['account'], security, response: { 200: MeResponse, ...errors } } },
    async (request) => {
      const { account, session } = principalOf(request);
      return {
        account: presentAccount(account),
        session: presentSession(session, config.lifetimes, session.id),
        stream: await auth.streamHead(account.id),
      };
    },
  );

  app.get(
    '/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Devices logged in now',
        security,
        response: { 200: SessionList, ...errors },
      },
    },
    async (request) => {
      const { account, session } = principalOf(request);
      const sessions = await auth.listSessions(account.id);
      return { sessions: sessions.map((s) => presentSession(s, config.lifetimes, session.id)) };
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Log one device out (this one or another)',
        security,
        params: SessionIdParams,
        response: { 200: RevokeResult, ...errors },
      },
    },
    async (request) => ({ revoked: await auth.revokeSession(principalOf(request), request.params.id) }),
  );

  app.post(
    '/v1/sessions/revoke-others',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Log out every other device',
        security,
        response: { 200: RevokeResult, ...errors },
      },
    },
    async (request) => ({ revoked: await auth.revokeOthers(principalOf(request)) }),
  );

  app.post(
    '/v1/sessions/revoke-all',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Log out every device, this one too',
        security,
        response: { 200: RevokeResult, ...errors },
      },
    },
    async (request) => ({ revoked: await auth.revokeAll(principalOf(request)) }),
  );

  app.get(
    '/v1/login-history',
    {
      schema: {
        tags: ['account'],
        summary: 'Login successes and failures, newest first',
        security,
        querystring: PageQuery,
        response: { 200: LoginHistoryPage, ...errors },
      },
    },
    async (request) => {
      const { account } = principalOf(request);
      return auth.loginHistory(account.id, request.query.limit ?? 50, request.query.before);
    },
  );
};
