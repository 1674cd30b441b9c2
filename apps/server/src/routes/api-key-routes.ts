import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ApiKeyCreated,
  ApiKeyIdParams,
  ApiKeyList,
  ApiKeyView,
  CreateApiKeyBody,
  UpdateApiKeyBody,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { principalOf, requireSession } from '../http/authentication.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import { errorResponses, sessionSecurity, clientOf } from './route-parts.ts';

const errors = errorResponses(400, 401, 403, 404, 409);
const security = sessionSecurity;

/**
 * Managing API keys (A13). Only a logged-in session may do it, never an API key (a leaked trading
 * key must not mint or widen keys); creating, editing and deleting need a step-up.
 */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<RouteDeps & { apiKeys: ApiKeyService }> = async (
  app,
  { auth, apiKeys },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireSession(auth));

  app.get(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: "The account's API keys (never their keys or secrets)",
        security,
        response: { 200: ApiKeyList, ...errors },
      },
    },
    async (request) => ({ apiKeys: await apiKeys.list(principalOf(request).account.id) }),
  );

  app.post(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary:
          'Create an API key (needs a step-up); the key and an HMAC secret are shown only in this answer',
        description:
          'HMAC_SHA256: the server makes the secret. ED25519: send your public key; the private key never leaves you. `withdraw` needs a non-empty ipWhitelist.',
        security,
        body: CreateApiKeyBody,
        response: { 200: ApiKeyCreated, ...errors },
      },
    },
    async (request) => apiKeys.create(principalOf(request), request.body, clientOf(request)),
  );

  app.patch(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: "Edit a key's label, permissions or IP whitelist (needs a step-up)",
        security,
        params: ApiKeyIdParams,
        body: UpdateApiKeyBody,
        response: { 200: Type.Object({ apiKey: ApiKeyView }), ...errors },
      },
    },
    async (request) => ({
      apiKey: await apiKeys.update(principalOf(request), request.params.id, request.body, clientOf(request)),
    }),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Delete a key (needs a step-up); requests signed with it are refused at once',
        security,
        params: ApiKeyIdParams,
        response: { 200: Type.Object({ apiKey: ApiKeyView }), ...errors },
      },
    },
    async (request) => ({
      apiKey: await apiKeys.delete(principalOf(request), request.params.id, clientOf(request)),
    }),
  );
};
