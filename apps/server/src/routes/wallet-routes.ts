import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ChainBlockView,
  ChainDepositBody,
  DepositAddressView,
  DepositView,
  WithdrawalView,
  WithdrawBody,
  withdrawalStatuses,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { requireOperator } from './admin-routes.ts';
import { principalOf, sessionOrApiKey } from '../http/authentication.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import type { SimulatedChain } from '../trading/simulated-chain.ts';
import type { WalletService } from '../trading/wallet-service.ts';
import { errorResponses, sessionOrKeySecurity } from './route-parts.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 429);
const AssetParam = Type.String({ pattern: '^[A-Z0-9]{2,10}$' });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));
const BeforeId = Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }));
const security = sessionOrKeySecurity;

/** Deposit addresses, deposits and withdrawals of the logged-in account (D1, D2). */
export const walletRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { wallet: WalletService; apiKeys: ApiKeyService }
> = async (
  app,
  { auth, wallet, apiKeys },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  // Sessions, or API keys signed Binance-style: each route names the key permission it needs.
  const authenticate = sessionOrApiKey(auth, apiKeys);
  app.addHook('onRequest', authenticate.onRequest);
  app.addHook('preParsing', authenticate.preParsing);

  app.get(
    '/v1/deposit-address',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['wallet'],
        summary: "The account's deposit address for an asset",
        security,
        querystring: Type.Object({ asset: AssetParam }, { additionalProperties: false }),
        response: { 200: DepositAddressView, ...errors },
      },
    },
    async (request) => wallet.depositAddress(principalOf(request).account.id, request.query.asset),
  );

  app.get(
    '/v1/deposits',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['wallet'],
        summary: 'Deposit history, newest first',
        security,
        querystring: Type.Object(
          { asset: Type.Optional(AssetParam), beforeId: BeforeId, limit: Limit },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ deposits: Type.Array(DepositView) }), ...errors },
      },
    },
    async (request) => ({
      deposits: await wallet.deposits(principalOf(request).account.id, {
        asset: request.query.asset,
        beforeId: request.query.beforeId,
        limit: request.query.limit ?? 100,
      }),
    }),
  );

  app.post(
    '/v1/withdrawals',
    {
      config: { apiKeyPermission: 'withdraw' },
      schema: {
        tags: ['wallet'],
        summary: 'Request a withdrawal (locks amount plus fee while pending)',
        security,
        body: WithdrawBody,
        response: { 200: Type.Object({ withdrawal: WithdrawalView }), ...errors },
      },
    },
    async (request) => ({ withdrawal: await wallet.requestWithdrawal(principalOf(request), request.body) }),
  );

  app.get(
    '/v1/withdrawals',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['wallet'],
        summary: 'Withdrawal history, newest first',
        security,
        querystring: Type.Object(
          {
            asset: Type.Optional(AssetParam),
            status: Type.Optional(
              Type.Unsafe<(typeof withdrawalStatuses)[number]>(
                Type.String({ enum: [...withdrawalStatuses] }),
              ),
            ),
            beforeId: BeforeId,
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ withdrawals: Type.Array(WithdrawalView) }), ...errors },
      },
    },
    async (request) => ({
      withdrawals: await wallet.withdrawals(principalOf(request).account.id, {
        asset: request.query.asset,
        status: request.query.status,
        beforeId: request.query.beforeId,
        limit: request.query.limit ?? 100,
      }),
    }),
  );

  app.delete(
    '/v1/withdrawals/:id',
    {
      config: { apiKeyPermission: 'withdraw' },
      schema: {
        tags: ['wallet'],
        summary: 'Cancel a withdrawal while it is pending',
        security,
        params: IdParam,
        response: { 200: Type.Object({ withdrawal: WithdrawalView }), ...errors },
      },
    },
    async (request) => ({
      withdrawal: await wallet.cancelWithdrawal(principalOf(request).account.id, request.params.id),
    }),
  );
};

/**
 * The simulated chain and the withdrawal processor of the embedded setup (operators only, by the
 * token in the data folder).
 */
export const chainAdminRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { wallet: WalletService; chain: SimulatedChain; adminTokenHash: string }
> = async (
  app,
  { wallet, chain, adminTokenHash },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireOperator(adminTokenHash));

  app.post(
    '/v1/admin/chain/deposits',
    {
      schema: {
        tags: ['admin'],
        summary: 'The simulated chain saw a transfer to a deposit address (idempotent per txId)',
        body: ChainDepositBody,
        response: { 200: Type.Object({ deposit: DepositView }), ...errors },
      },
    },
    async (request) => ({ deposit: await wallet.chainDeposit(request.body) }),
  );

  app.post(
    '/v1/admin/chain/deposits/:txId/confirm',
    {
      schema: {
        tags: ['admin'],
        summary: "Raise a deposit's confirmations; credited once it has enough",
        params: Type.Object({ txId: Type.String({ pattern: '^[A-Za-z0-9_:-]{1,100}$' }) }),
        body: Type.Object(
          { confirmations: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ deposit: DepositView }), ...errors },
      },
    },
    async (request) => ({
      deposit: await wallet.confirm(request.params.txId, request.body.confirmations),
    }),
  );

  app.post(
    '/v1/admin/chain/blocks',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Mine one block of the simulated chain now: a confirmation for each pending deposit, and the next step of each open withdrawal',
        response: { 200: Type.Object({ block: ChainBlockView }), ...errors },
      },
    },
    async () => ({ block: await chain.mine() }),
  );

  for (const step of ['process', 'complete', 'fail'] as const) {
    app.post(
      `/v1/admin/withdrawals/:id/${step}`,
      {
        schema: {
          tags: ['admin'],
          summary: `Withdrawal processor: ${step} a withdrawal`,
          params: IdParam,
          response: { 200: Type.Object({ withdrawal: WithdrawalView }), ...errors },
        },
      },
      async (request) => ({ withdrawal: await wallet.processorStep(request.params.id, step) }),
    );
  }
};
