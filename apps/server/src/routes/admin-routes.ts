import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { parseUnits } from '@lockstep/engine';
import { BalanceView, LockstepError } from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import type { SecurityService } from '../services/security-service.ts';
import { adminTokenMatches } from '../security/admin-token.ts';
import { normalizeEmail } from '../services/auth-service.ts';
import { engineRejection } from '../trading/order-request.ts';
import type { TradingService } from '../trading/trading-service.ts';

export const adminTokenHeader = 'x-lockstep-admin-token';

/** An onRequest hook that admits only requests carrying the operator token of the data folder. */
export function requireOperator(adminTokenHash: string): onRequestHookHandler {
  return (request, _reply, done) => {
    const presented = request.headers[adminTokenHeader];
    if (!adminTokenMatches(typeof presented === 'string' ? presented : undefined, adminTokenHash)) {
      done(
        new LockstepError(
          'UNAUTHENTICATED',
          `operator routes need the ${adminTokenHeader} header from the data folder`,
        ),
      );
      return;
    }
    done();
  };
}

const DepositBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    asset: Type.String({ pattern: '^[A-Z0-9]{2,10}$' }),
    amount: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 40 }),
    txId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:-]{1,100}$' })),
  },
  { additionalProperties: false },
);

/** Operator routes (F4), authenticated by the token in the data folder, never by a user session. */
export const adminRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { trading: TradingService; adminTokenHash: string; securityService: SecurityService }
> = async (
  app,
  { store, trading, adminTokenHash, securityService },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireOperator(adminTokenHash));

  app.post(
    '/v1/admin/unlock',
    {
      schema: {
        tags: ['admin'],
        summary: 'Lift an account\'s failed-login lock (a "Not me" lock needs the owner\'s password reset)',
        body: Type.Object(
          { email: Type.String({ minLength: 3, maxLength: 254 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ email: Type.String(), passwordResetRequired: Type.Boolean() }),
          400: { $ref: 'Error#' },
          401: { $ref: 'Error#' },
        },
      },
    },
    async (request) => securityService.unlockByOperator(request.body.email),
  );

  app.post(
    '/v1/admin/deposits',
    {
      schema: {
        tags: ['admin'],
        summary: 'Credit a test deposit to an account (idempotent per txId)',
        body: DepositBody,
        response: { 200: Type.Object({ credited: Type.Boolean(), balance: BalanceView }) },
      },
    },
    async (request) => {
      const account = await store.repos.accounts.findByEmail(normalizeEmail(request.body.email));
      if (!account)
        throw new LockstepError('VALIDATION_FAILED', 'no account has this email', { field: 'email' });
      const asset = trading.host.reader.assetId(request.body.asset);
      const decimals = asset === undefined ? undefined : trading.host.reader.asset(asset)?.decimals;
      if (asset === undefined || decimals === undefined) {
        throw new LockstepError('UNKNOWN_ASSET', `no asset ${request.body.asset}`, { field: 'asset' });
      }
      const amount = parseUnits(request.body.amount, decimals);
      if (amount.code !== 0) throw engineRejection(amount.code, 'amount');
      const txId = request.body.txId ?? `admin-${randomUUID()}`;
      const outcome = await trading.submit({
        kind: 'deposit',
        account: account.id,
        asset,
        amount: amount.value,
        txId,
      });
      if (outcome.result !== 'OK' && outcome.result !== 'DEPOSIT_ALREADY_CREDITED')
        throw engineRejection(outcome.code, 'amount');
      const { free, locked } = trading.host.reader.balance(account.id, asset);
      return {
        credited: outcome.result === 'OK',
        balance: {
          asset: request.body.asset,
          free: trading.presenter.amount(asset, free),
          locked: trading.presenter.amount(asset, locked),
        },
      };
    },
  );
};
