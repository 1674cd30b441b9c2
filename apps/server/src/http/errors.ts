import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LockstepError, type ErrorBody } from '@lockstep/protocol';
import { rawHttpAnswer, standardSecurityHeaders } from './security-headers.ts';

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The request field an ajv issue is about: `password`, `query.limit`, `params.id`. */
function fieldOf(issue: AjvIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing =
    typeof issue.params?.missingProperty === 'string' ? issue.params.missingProperty : undefined;
  const extra =
    typeof issue.params?.additionalProperty === 'string' ? issue.params.additionalProperty : undefined;
  const leaf = [path, missing ?? extra].filter(Boolean).join('.');
  const prefix = context && context !== 'body' ? `${context}.` : '';
  return `${prefix}${leaf}` || (context ?? 'body');
}

function validationBody(error: FastifyError): ErrorBody {
  const issue = (error.validation?.[0] ?? {}) as AjvIssue;
  const field = fieldOf(issue, error.validationContext);
  let detail = issue.message ?? 'is invalid';
  if (issue.keyword === 'required') detail = 'is required';
  if (issue.keyword === 'additionalProperties') detail = 'is not a known field';
  if (issue.keyword === 'anyOf' || issue.keyword === 'enum' || issue.keyword === 'const') {
    detail = 'is not one of the allowed values';
  }
  return { code: 'VALIDATION_FAILED', message: `${field} ${detail}`, field };
}

/** Turns every failure into `{code, message, field?}` with a 4xx status, and faults into a bare 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof LockstepError) {
      if (error.code === 'LOGIN_LOCKED' && typeof error.details?.retryAfterSeconds === 'number') {
        void reply.header('retry-after', String(error.details.retryAfterSeconds));
      }
      return reply.status(error.status).send(error.toBody());
    }
    if (error.validation) return reply.status(400).send(validationBody(error));
    const status = error.statusCode ?? 500;
    const known: Record<string, ErrorBody> = {
      FST_ERR_CTP_INVALID_JSON_BODY: {
        code: 'INVALID_JSON',
        message: 'request body is not valid JSON',
        field: 'body',
      },
      FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is empty', field: 'body' },
      FST_ERR_CTP_INVALID_MEDIA_TYPE: {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'request body must be application/json',
        field: 'body',
      },
      FST_ERR_CTP_BODY_TOO_LARGE: {
        code: 'PAYLOAD_TOO_LARGE',
        message: 'request body is too large',
        field: 'body',
      },
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
        code: 'VALIDATION_FAILED',
        message: 'content-length does not match the body',
        field: 'body',
      },
    };
    const mapped = known[error.code];
    if (mapped) return reply.status(status >= 400 && status < 500 ? status : 400).send(mapped);
    if (status === 429) {
      return reply.status(429).send({ code: 'RATE_LIMITED', message: 'too many requests; retry later' });
    }
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ code: 'VALIDATION_FAILED', message: error.message, field: 'body' });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: `internal error (request ${request.id})` });
  });
  // Known paths asked with another method must get the catalogue's METHOD_NOT_ALLOWED, not NOT_FOUND, so every route's methods are recorded here.
  const routes: Array<{ method: string; pattern: RegExp }> = [];
  app.addHook('onRoute', (route) => {
    const source = route.url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    for (const method of [route.method].flat()) routes.push({ method, pattern: new RegExp(`^${source}$`) });
  });
  const unmatched = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          code: 'METHOD_NOT_ALLOWED',
          message: `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
        });
    }
    return reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${path}` });
  };
  // The body is parsed before the not-found handler runs, so unmatched requests are answered here lest a broken body hide that the route does not exist.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!request.is404) return done(null, payload);
    unmatched(request, reply);
  });
  app.setNotFoundHandler(unmatched);
}

/**
 * Fastify's own routing failures (bad percent-encoding in the path, an over-long path parameter)
 * answered with a catalogue code instead of Fastify's.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path parameter is longer than the server accepts'
      : 'the path is not valid';
  // Fastify answers these before any hook runs, so the security headers are set here.
  void reply
    .headers(standardSecurityHeaders)
    .status(400)
    .send({ code: 'MALFORMED_REQUEST', message, field: 'path' } satisfies ErrorBody);
}

/**
 * Requests Node's HTTP parser refuses never reach Fastify; they are answered here, on the raw
 * socket, still with a catalogue code.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body: ErrorBody = tooLarge
    ? { code: 'HEADERS_TOO_LARGE', message: 'the request line or headers are too large' }
    : { code: 'MALFORMED_REQUEST', message: 'the HTTP request is malformed' };
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(rawHttpAnswer(status, JSON.stringify(body)));
}
