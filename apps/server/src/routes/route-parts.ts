import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.ts';
import type { ClientContext } from '../services/auth-service.ts';

const errorRef = { $ref: 'Error#' } as const;

/** Response schemas for the error statuses a route answers: every refusal has the catalogue's body. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorRef> {
  return Object.fromEntries(statuses.map((status) => [status, errorRef])) as Record<S, typeof errorRef>;
}

/** OpenAPI security of routes for logged-in sessions only. */
export const sessionSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];

/** OpenAPI security of routes that also take a signed API-key request. */
export const sessionOrKeySecurity: Array<Record<string, string[]>> = [...sessionSecurity, { apiKey: [] }];

/** Who is asking, as the gateway saw the request (the IP honours only configured proxies). */
export function clientOf(request: FastifyRequest): ClientContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/**
 * Route config for everything a login attempt can go through (login, its waits, QR, links, human
 * challenges, step-up): at most `loginPerIpPerMinuteMax` requests a minute from one address.
 */
export function loginRateLimit(config: ServerConfig): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max: config.loginPerIpPerMinuteMax, timeWindow: 60_000 } };
}
