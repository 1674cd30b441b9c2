import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { LockstepError, apiKeyHeader, type ApiKeyPermission } from '@lockstep/protocol';
import type { AuthService, Principal } from '../services/auth-service.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import { tokenMatchesHash } from '../security/tokens.ts';

export const sessionCookie = 'lockstep_session';
export const csrfCookie = 'lockstep_csrf';
export const csrfHeader = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /**
     * The permission an API key needs for this route, on plugins authenticated with
     * `sessionOrApiKey`. Routes without it accept only sessions and refuse keys.
     */
    apiKeyPermission?: ApiKeyPermission;
  }
}

/** The credential a request carries and where it came from. */
export interface Credential {
  token: string;
  via: 'bearer' | 'cookie';
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A mangled cookie is just a wrong credential, never a server fault.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The bearer token of the Authorization header, else the session cookie. */
export function credentialOf(headers: IncomingHttpHeaders): Credential | null {
  const authorization = headers.authorization;
  if (authorization?.startsWith('Bearer ')) return { token: authorization.slice(7).trim(), via: 'bearer' };
  const cookie = readCookie(headers.cookie, sessionCookie);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Whether a browser request comes from this server's own origin. Browsers always send Origin on
 * cross-origin requests and WebSocket handshakes, so a foreign Origin is refused outright.
 */
export function sameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An onRequest hook that requires a live session. Cookie-authenticated writes also need the session's
 * CSRF token in X-CSRF-Token and a same-origin Origin (a defence in depth beside SameSite).
 */
export function requireSession(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // A leaked trading key must not manage keys, sessions or security settings: API keys are
    // refused outright here, even when a session credential rides along.
    if (request.headers[apiKeyHeader] !== undefined)
      throw new LockstepError(
        'API_KEY_NOT_ALLOWED',
        'this route accepts a logged-in session only, never an API key',
      );
    const credential = credentialOf(request.headers);
    if (!credential)
      throw new LockstepError('UNAUTHENTICATED', 'log in first: send a bearer token or the session cookie');
    const principal = await auth.authenticate(credential.token);
    if (credential.via === 'cookie' && !safeMethods.has(request.method)) {
      const presented = request.headers[csrfHeader];
      const csrfHash = principal.session.csrfHash;
      const ok =
        typeof presented === 'string' &&
        csrfHash !== null &&
        tokenMatchesHash(presented, csrfHash) &&
        sameOrigin(request.headers);
      if (!ok)
        throw new LockstepError(
          'CSRF_FAILED',
          `cookie-authenticated requests must send the ${csrfHeader} header`,
        );
    }
    request.principal = principal;
  };
}

/** The principal of a route behind requireSession. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new LockstepError('UNAUTHENTICATED', 'log in first');
  return request.principal;
}

/** The query parameters of a signed request; routes never see them. */
const signedParameters = ['timestamp', 'recvWindow', 'signature'];

/** Methods whose body Fastify never reads; their signed body is empty. */
const bodylessMethods = new Set(['GET', 'HEAD', 'TRACE']);

/**
 * Reads a request body up to `limitBytes` without parsing it, as Fastify's own reader would:
 * an over-long body is refused with PAYLOAD_TOO_LARGE and left unread (the server discards it).
 */
function readRawBody(request: FastifyRequest, payload: RequestPayload, limitBytes: number): Promise<Buffer> {
  const headers = request.headers;
  const declared = headers['content-length'];
  if (
    bodylessMethods.has(request.method) ||
    (headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0'))
  )
    return Promise.resolve(Buffer.alloc(0));
  const tooLarge = () =>
    new LockstepError('PAYLOAD_TOO_LARGE', 'request body is too large', { field: 'body' });
  if (declared !== undefined && Number(declared) > limitBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        stop();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

/**
 * Authentication for route plugins whose routes API keys may use (A13). A request without
 * X-MBX-APIKEY goes through `requireSession` (onRequest). A request with it must be signed
 * Binance-style and is checked in preParsing, where the raw body can be read before Fastify parses
 * it (the signature covers the body as sent); the body is then handed on unchanged, so JSON errors
 * stay as they are for everyone. Both run before validation, and the signed parameters are removed
 * from the query so routes with closed query schemas work. Each route names the permission a key
 * needs in `config.apiKeyPermission`; a route without one refuses keys (API_KEY_NOT_ALLOWED).
 * The client address is `request.ip`, which honours X-Forwarded-For only from configured proxies.
 */
export function sessionOrApiKey(auth: AuthService, apiKeys: Pick<ApiKeyService, 'authenticate'>) {
  const session = requireSession(auth);
  const permissionOf = (request: FastifyRequest): ApiKeyPermission => {
    const permission = request.routeOptions.config.apiKeyPermission;
    if (permission === undefined)
      throw new LockstepError(
        'API_KEY_NOT_ALLOWED',
        'this route accepts a logged-in session only, never an API key',
      );
    return permission;
  };
  return {
    onRequest: async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (request.headers[apiKeyHeader] === undefined) return session(request, reply);
      permissionOf(request);
    },
    preParsing: async (
      request: FastifyRequest,
      _reply: FastifyReply,
      payload: RequestPayload,
    ): Promise<RequestPayload> => {
      const header = request.headers[apiKeyHeader];
      if (header === undefined) return payload;
      const url = request.raw.url ?? '';
      const question = url.indexOf('?');
      let body: Buffer | null = null;
      request.principal = await apiKeys.authenticate({
        apiKey: Array.isArray(header) ? '' : header,
        rawQuery: question < 0 ? '' : url.slice(question + 1),
        readBody: async () => (body = await readRawBody(request, payload, request.routeOptions.bodyLimit)),
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        permission: permissionOf(request),
      });
      const query = request.query as Record<string, unknown>;
      for (const name of signedParameters) delete query[name];
      if (body === null) return payload;
      // The body was read for its signature; Fastify parses these same bytes.
      const replay = new PassThrough();
      replay.end(body);
      return replay;
    },
  };
}
