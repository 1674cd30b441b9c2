import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AccountSnapshot,
  AdminKycBody,
  CreatePriceAlertBody,
  KycView,
  MarkReadBody,
  MarkReadResult,
  NotificationPage,
  NotificationQuery,
  PreferencesView,
  PriceAlertParams,
  PriceAlertView,
  PutWatchlistBody,
  UpdatePreferencesBody,
  WatchlistParams,
  WatchlistView,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { principalOf, requireSession } from '../http/authentication.ts';
import type { SyncService } from '../services/sync-service.ts';
import { errorResponses, sessionSecurity as security } from './route-parts.ts';
import { requireOperator } from './admin-routes.ts';

const errors = errorResponses(400, 401, 403, 404, 409);

/**
 * The account snapshot, preferences, watchlists, price alerts, KYC status and the notification
 * centre (B1, B4). Logged-in sessions only: these are a person's devices, not a bot's.
 */
export const syncRoutes: FastifyPluginAsyncTypebox<RouteDeps & { sync: SyncService }> = async (
  app,
  { auth, sync },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireSession(auth));

  app.get(
    '/v1/account/snapshot',
    {
      schema: {
        tags: ['sync'],
        summary: 'Everything a device shows, at one stream position (`seq`); apply newer events on top',
        security,
        response: { 200: AccountSnapshot, ...errors },
      },
    },
    async (request) => sync.snapshot(principalOf(request)),
  );

  app.get(
    '/v1/kyc',
    {
      schema: {
        tags: ['sync'],
        summary: "The account's KYC status",
        security,
        response: { 200: Type.Object({ kyc: KycView }), ...errors },
      },
    },
    async (request) => ({ kyc: await sync.kyc(principalOf(request).account.id) }),
  );

  app.get(
    '/v1/preferences',
    {
      schema: {
        tags: ['sync'],
        summary: 'Cloud sync and notification preferences (account categories, each device’s switch)',
        security,
        response: { 200: Type.Object({ preferences: PreferencesView }), ...errors },
      },
    },
    async (request) => ({ preferences: await sync.preferences(principalOf(request).account.id) }),
  );

  app.patch(
    '/v1/preferences',
    {
      schema: {
        tags: ['sync'],
        summary: "Change cloud sync, the account's notification categories, or this device's switch",
        security,
        body: UpdatePreferencesBody,
        response: { 200: Type.Object({ preferences: PreferencesView }), ...errors },
      },
    },
    async (request) => ({ preferences: await sync.updatePreferences(principalOf(request), request.body) }),
  );

  app.get(
    '/v1/watchlists',
    {
      schema: {
        tags: ['sync'],
        summary: 'The watchlists kept on the server (while cloud sync is on)',
        security,
        response: { 200: Type.Object({ watchlists: Type.Array(WatchlistView) }), ...errors },
      },
    },
    async (request) => ({ watchlists: await sync.watchlists(principalOf(request).account.id) }),
  );

  app.put(
    '/v1/watchlists/:name',
    {
      schema: {
        tags: ['sync'],
        summary: 'Create or replace a watchlist (needs cloud sync on)',
        security,
        params: WatchlistParams,
        body: PutWatchlistBody,
        response: { 200: Type.Object({ watchlist: WatchlistView }), ...errors },
      },
    },
    async (request) => ({
      watchlist: await sync.putWatchlist(principalOf(request), request.params.name, request.body.symbols),
    }),
  );

  app.delete(
    '/v1/watchlists/:name',
    {
      schema: {
        tags: ['sync'],
        summary: 'Delete a watchlist (needs cloud sync on)',
        security,
        params: WatchlistParams,
        response: { 200: Type.Object({ deleted: Type.String() }), ...errors },
      },
    },
    async (request) => {
      await sync.deleteWatchlist(principalOf(request), request.params.name);
      return { deleted: request.params.name };
    },
  );

  app.get(
    '/v1/price-alerts',
    {
      schema: {
        tags: ['sync'],
        summary: "The account's price alerts (shared by every device)",
        security,
        response: { 200: Type.Object({ priceAlerts: Type.Array(PriceAlertView) }), ...errors },
      },
    },
    async (request) => ({ priceAlerts: await sync.priceAlerts(principalOf(request).account.id) }),
  );

  app.post(
    '/v1/price-alerts',
    {
      schema: {
        tags: ['sync'],
        summary: 'Create a price alert: triggered once by the first trade at or beyond the price',
        security,
        body: CreatePriceAlertBody,
        response: { 200: Type.Object({ priceAlert: PriceAlertView }), ...errors },
      },
    },
    async (request) => ({ priceAlert: await sync.createPriceAlert(principalOf(request), request.body) }),
  );

  app.delete(
    '/v1/price-alerts/:id',
    {
      schema: {
        tags: ['sync'],
        summary: 'Delete a price alert',
        security,
        params: PriceAlertParams,
        response: { 200: Type.Object({ priceAlert: PriceAlertView }), ...errors },
      },
    },
    async (request) => ({
      priceAlert: await sync.deletePriceAlert(principalOf(request), request.params.id),
    }),
  );

  app.get(
    '/v1/notifications',
    {
      schema: {
        tags: ['sync'],
        summary: 'The notification centre, newest first, with the unread count',
        security,
        querystring: NotificationQuery,
        response: { 200: NotificationPage, ...errors },
      },
    },
    async (request) => sync.notifications(principalOf(request).account.id, request.query),
  );

  app.post(
    '/v1/notifications/read',
    {
      schema: {
        tags: ['sync'],
        summary: 'Mark notifications read on every device: `{ids}` or `{upTo}`',
        security,
        body: MarkReadBody,
        response: { 200: MarkReadResult, ...errors },
      },
    },
    async (request) => sync.markRead(principalOf(request), request.body),
  );
};

/** The operator's KYC route (`lockstep admin kyc`). */
export const kycAdminRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { sync: SyncService; adminTokenHash: string }
> = async (
  app,
  { sync, adminTokenHash },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireOperator(adminTokenHash));
  app.post(
    '/v1/admin/kyc',
    {
      schema: {
        tags: ['admin'],
        summary: "Set an account's KYC status; every device of the account sees it at once",
        body: AdminKycBody,
        response: {
          200: Type.Object({ email: Type.String(), kyc: KycView }),
          400: { $ref: 'Error#' },
          401: { $ref: 'Error#' },
        },
      },
    },
    async (request) => sync.setKyc(request.body),
  );
};
