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
import { principalOf, sessionOrApiKey } from '../http/authentication.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import { presentAccount, presentSession } from '../services/presenters.ts';
import { errorResponses, sessionSecurity } from './route-parts.ts';

const errors = errorResponses(400, 401, 403, 404);

/**
 * The account's devices (sessions and API keys), signing them out, and login history. Only
 * `GET /v1/me` accepts an API key (with `read`); managing sessions needs a logged-in session.
 */
export const sessionRoutes: FastifyPluginAsyncTypebox<RouteDeps & { apiKeys: ApiKeyService }> = async (
  app,
  { auth, config, apiKeys },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  // Authentication runs before validation, so an anonymous caller learns nothing about the route's input rules.
  const authenticate = sessionOrApiKey(auth, apiKeys);
  app.addHook('onRequest', authenticate.onRequest);
  app.addHook('preParsing', authenticate.preParsing);
  const security = sessionSecurity;

  app.get(
    '/v1/me',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['account'],
        description:
          'Through an API key, `session` describes the key (platform `api`) and `apiKey` is the key.',
        security: [...security, { apiKey: [] }],
        response: { 200: MeResponse, ...errors },
      },
    },
    async (request) => {
      const { account, session, apiKey } = principalOf(request);
      const key = apiKey === undefined ? undefined : await apiKeys.view(account.id, apiKey.id);
      return {
        account: presentAccount(account),
        session: presentSession(session, config.lifetimes, session.id),
        stream: await auth.streamHead(account.id),
        ...(key === undefined ? {} : { apiKey: key }),
      };
    },
  );

  app.get(
    '/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Devices logged in now, and the API keys (which are devices too)',
        security,
        response: { 200: SessionList, ...errors },
      },
    },
    async (request) => {
      const { account, session } = principalOf(request);
      const sessions = await auth.listSessions(account.id);
      return {
        sessions: sessions.map((s) => presentSession(s, config.lifetimes, session.id)),
        apiKeys: await apiKeys.list(account.id),
      };
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
