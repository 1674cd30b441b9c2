import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  BalanceView,
  ClientOrderId,
  LockstepError,
  MyTradeView,
  OrderView,
  PlaceOrderBody,
  orderStatuses,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { principalOf, sessionOrApiKey } from '../http/authentication.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import type { TradingService } from '../trading/trading-service.ts';
import { errorResponses, sessionOrKeySecurity } from './route-parts.ts';
import { orderAnswerJson } from '../trading/view-json.ts';

const errors = errorResponses(400, 401, 403, 404, 429);

/**
 * The answers to orders placed and cancelled are sent as the text `view-json.ts` writes, which is
 * `JSON.stringify` of the same views: the account stream's event has already written the order's
 * text, and serializing the answer from its schema again was about 3 % of an order request's
 * server work (`bench:orders-instructions`). The schemas still document them.
 */
function sendOrderAnswer(reply: FastifyReply, order: OrderView, fills?: readonly MyTradeView[]) {
  return reply.type('application/json; charset=utf-8').send(orderAnswerJson(order, fills));
}
const SymbolParam = Type.String({ pattern: '^[A-Z0-9]{2,20}$' });
const security = sessionOrKeySecurity;

/** Orders, cancels and balances of the logged-in account (C2, C3). */
export const tradingRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { trading: TradingService; apiKeys: ApiKeyService }
> = async (
  app,
  { auth, trading, apiKeys },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  // Sessions, or API keys signed Binance-style: each route names the key permission it needs.
  const authenticate = sessionOrApiKey(auth, apiKeys);
  app.addHook('onRequest', authenticate.onRequest);
  app.addHook('preParsing', authenticate.preParsing);

  app.post(
    '/v1/orders',
    {
      config: { apiKeyPermission: 'trade' },
      schema: {
        tags: ['trading'],
        summary: 'Place an order (acknowledged once durable)',
        security,
        body: PlaceOrderBody,
        response: { 200: Type.Object({ order: OrderView, fills: Type.Array(MyTradeView) }), ...errors },
      },
    },
    async (request, reply) => {
      const { order, fills } = await trading.placeOrder(principalOf(request).account.id, request.body);
      return sendOrderAnswer(reply, order, fills);
    },
  );

  // One order, named by its order id or by the client order id it was placed with (as Binance's
  // orderId and origClientOrderId).
  const byOrderId = Type.Object({ symbol: SymbolParam, orderId: Type.Integer({ minimum: 1 }) });
  const byClientOrderId = Type.Object({ symbol: SymbolParam, clientOrderId: ClientOrderId });
  app.get(
    '/v1/orders/:symbol/:orderId',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['trading'],
        summary: 'One order in its latest state',
        security,
        params: byOrderId,
        response: { 200: Type.Object({ order: OrderView }), ...errors },
      },
    },
    async (request) => ({
      order: await trading.getOrder(principalOf(request).account.id, request.params.symbol, {
        orderId: request.params.orderId,
      }),
    }),
  );

  app.get(
    '/v1/orders/:symbol/client/:clientOrderId',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['trading'],
        summary:
          'One order by its client order id: the open one, else the most recent closed one among the last 10,000 on the symbol',
        security,
        params: byClientOrderId,
        response: { 200: Type.Object({ order: OrderView }), ...errors },
      },
    },
    async (request) => ({
      order: await trading.getOrder(principalOf(request).account.id, request.params.symbol, {
        clientOrderId: request.params.clientOrderId,
      }),
    }),
  );

  app.delete(
    '/v1/orders/:symbol/:orderId',
    {
      config: { apiKeyPermission: 'trade' },
      schema: {
        tags: ['trading'],
        summary: 'Cancel one open order',
        security,
        params: byOrderId,
        response: { 200: Type.Object({ order: OrderView }), ...errors },
      },
    },
    async (request, reply) => {
      const order = await trading.cancelOrder(principalOf(request).account.id, request.params.symbol, {
        orderId: request.params.orderId,
      });
      return sendOrderAnswer(reply, order);
    },
  );

  app.delete(
    '/v1/orders/:symbol/client/:clientOrderId',
    {
      config: { apiKeyPermission: 'trade' },
      schema: {
        tags: ['trading'],
        summary: 'Cancel the open order placed with this client order id',
        security,
        params: byClientOrderId,
        response: { 200: Type.Object({ order: OrderView }), ...errors },
      },
    },
    async (request, reply) => {
      const order = await trading.cancelOrder(principalOf(request).account.id, request.params.symbol, {
        clientOrderId: request.params.clientOrderId,
      });
      return sendOrderAnswer(reply, order);
    },
  );

  app.delete(
    '/v1/open-orders/:symbol',
    {
      config: { apiKeyPermission: 'trade' },
      schema: {
        tags: ['trading'],
        summary: 'Cancel every open order on a symbol',
        security,
        params: Type.Object({ symbol: SymbolParam }),
        response: { 200: Type.Object({ orders: Type.Array(OrderView) }), ...errors },
      },
    },
    async (request) => ({
      orders: await trading.cancelAll(principalOf(request).account.id, request.params.symbol),
    }),
  );

  app.get(
    '/v1/open-orders',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['trading'],
        summary: 'Open orders, optionally of one symbol',
        security,
        querystring: Type.Object({ symbol: Type.Optional(SymbolParam) }, { additionalProperties: false }),
        response: { 200: Type.Object({ orders: Type.Array(OrderView) }), ...errors },
      },
    },
    async (request) => ({
      orders: await trading.openOrders(principalOf(request).account.id, request.query.symbol),
    }),
  );

  app.post(
    '/v1/positions/:symbol/close',
    {
      config: { apiKeyPermission: 'trade' },
      schema: {
        tags: ['trading'],
        summary:
          'One-click close: cancel open orders on the symbol and sell the whole base holding at market',
        security,
        params: Type.Object({ symbol: SymbolParam }),
        response: {
          200: Type.Object({ orders: Type.Array(OrderView), fills: Type.Array(MyTradeView) }),
          ...errors,
        },
      },
    },
    async (request) => trading.closePosition(principalOf(request).account.id, request.params.symbol),
  );

  app.get(
    '/v1/orders',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['trading'],
        summary:
          'Order history, newest first (all statuses unless one is given; startTime and endTime bound when orders were placed)',
        security,
        querystring: Type.Object(
          {
            symbol: Type.Optional(SymbolParam),
            status: Type.Optional(
              Type.Unsafe<(typeof orderStatuses)[number]>(Type.String({ enum: [...orderStatuses] })),
            ),
            beforeId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
            startTime: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
            endTime: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ orders: Type.Array(OrderView) }), ...errors },
      },
    },
    async (request) => ({
      orders: await trading.orderHistory(principalOf(request).account.id, {
        symbol: request.query.symbol,
        status: request.query.status,
        beforeId: request.query.beforeId,
        startTime: request.query.startTime,
        endTime: request.query.endTime,
        limit: request.query.limit ?? 100,
      }),
    }),
  );

  app.get(
    '/v1/my-trades',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['trading'],
        summary: "The account's fills, newest first",
        security,
        querystring: Type.Object(
          {
            symbol: Type.Optional(SymbolParam),
            // Trade ids count per symbol, so paging by id needs `symbol`; one order's fills take
            // it too, as on Binance.
            fromId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            orderId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
            startTime: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
            endTime: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
            // Trades, not fills: a self-trade is two fills of the account and a page never splits it.
            limit: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 1000,
                default: 100,
                description: 'Trades per page; a self-trade counts once and shows as both its fills.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ trades: Type.Array(MyTradeView) }), ...errors },
      },
    },
    async (request) => {
      const { symbol, fromId, orderId } = request.query;
      for (const [field, value] of [
        ['fromId', fromId],
        ['orderId', orderId],
      ] as const) {
        if (value !== undefined && symbol === undefined)
          throw new LockstepError('VALIDATION_FAILED', `querystring.${field}: needs symbol`, {
            field: `querystring.${field}`,
          });
      }
      return {
        trades: await trading.tradeHistory(principalOf(request).account.id, {
          symbol,
          fromId,
          orderId,
          startTime: request.query.startTime,
          endTime: request.query.endTime,
          limit: request.query.limit ?? 100,
        }),
      };
    },
  );

  app.get(
    '/v1/balances',
    {
      config: { apiKeyPermission: 'read' },
      schema: {
        tags: ['wallet'],
        summary: 'Free and locked balance per asset',
        security,
        response: { 200: Type.Object({ balances: Type.Array(BalanceView) }), ...errors },
      },
    },
    async (request) => ({ balances: await trading.balances(principalOf(request).account.id) }),
  );
};
