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
import type { FastifyRequest } from 'fastify';
import type { RouteDeps } from './deps.ts';
import { principalOf, requireSession } from '../http/authentication.ts';
import type { ClientContext } from '../services/auth-service.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';

const errors = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
};
const security: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];

function clientOf(request: FastifyRequest): ClientContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

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
