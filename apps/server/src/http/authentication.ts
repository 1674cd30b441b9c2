import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { LockstepError } from '@lockstep/protocol';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { tokenMatchesHash } from '../security/tokens.ts';

export const sessionCookie = 'lockstep_session';
export const csrfCookie = 'lockstep_csrf';
export const csrfHeader = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
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
