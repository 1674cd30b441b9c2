import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  DepthView,
  KlineView,
  MarketView,
  PublicTradeView,
  TickerView,
  KlineIntervalParam,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { MarketData } from '../trading/market-data.ts';
import type { TradingService } from '../trading/trading-service.ts';
import { errorResponses } from './route-parts.ts';

const errors = errorResponses(400, 404);
const tags = ['market data'];
const SymbolParams = Type.Object({ symbol: Type.String({ pattern: '^[A-Z0-9]{2,20}$' }) });
/** Bounded so a time never leaves the range a PostgreSQL bigint and a JS number both hold exactly. */
const Millis = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const limitOf = (defaultValue: number, maximum: number) =>
  Type.Integer({ minimum: 1, maximum, default: defaultValue });

/** Public market data (C5, B5): no session needed; every input is validated by its schema. */
export const marketRoutes: FastifyPluginAsyncTypebox<RouteDeps & { trading: TradingService }> = async (
  app,
  { config, store, trading },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  const market = new MarketData(trading, store, config.now);

  app.get(
    '/v1/markets',
    {
      schema: {
        tags,
        summary: 'Every market with its filters and fee rates',
        response: { 200: Type.Object({ markets: Type.Array(MarketView) }), ...errors },
      },
    },
    () => ({ markets: market.markets() }),
  );

  app.get(
    '/v1/markets/:symbol/depth',
    {
      schema: {
        tags,
        summary: 'Order book snapshot (best levels first)',
        params: SymbolParams,
        querystring: Type.Object({ limit: limitOf(100, 5000) }, { additionalProperties: false }),
        response: { 200: DepthView, ...errors },
      },
    },
    (request) => market.depth(request.params.symbol, request.query.limit),
  );

  app.get(
    '/v1/markets/:symbol/trades',
    {
      schema: {
        tags,
        summary: 'Recent public trades, oldest first',
        params: SymbolParams,
        querystring: Type.Object({ limit: limitOf(500, 1000) }, { additionalProperties: false }),
        response: { 200: Type.Object({ trades: Type.Array(PublicTradeView) }), ...errors },
      },
    },
    async (request) => ({ trades: await market.trades(request.params.symbol, request.query.limit) }),
  );

  app.get(
    '/v1/markets/:symbol/ticker',
    {
      schema: {
        tags,
        summary: 'Rolling 24-hour statistics of one market',
        params: SymbolParams,
        response: { 200: TickerView, ...errors },
      },
    },
    (request) => market.ticker(request.params.symbol),
  );

  app.get(
    '/v1/tickers',
    {
      schema: {
        tags,
        summary: 'Rolling 24-hour statistics of every market',
        response: { 200: Type.Object({ tickers: Type.Array(TickerView) }), ...errors },
      },
    },
    async () => ({ tickers: await market.tickers() }),
  );

  app.get(
    '/v1/markets/:symbol/klines',
    {
      schema: {
        tags,
        summary: 'Candlesticks: the first `limit` from startTime, else the last `limit` up to endTime',
        params: SymbolParams,
        querystring: Type.Object(
          {
            interval: KlineIntervalParam,
            startTime: Type.Optional(Millis),
            endTime: Type.Optional(Millis),
            limit: limitOf(500, 1000),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ klines: Type.Array(KlineView) }), ...errors },
      },
    },
    async (request) => {
      const { interval, startTime, endTime, limit } = request.query;
      return {
        klines: await market.klines(request.params.symbol, {
          interval,
          ...(startTime !== undefined ? { startTime } : {}),
          ...(endTime !== undefined ? { endTime } : {}),
          limit,
        }),
      };
    },
  );
};
