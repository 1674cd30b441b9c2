import type { FastifyInstance } from 'fastify';
import { LockstepError } from '@lockstep/protocol';

/** Deeper input than this is not walked; the schemas already bound nesting far below it. */
const depthMax = 16;

/**
 * The path of the first number in `value` that is not finite (`1e309` parses as Infinity), as its
 * keys, or undefined. The path is built only for the number found: every request passes here.
 */
function firstNonFinite(value: unknown, depth: number): string[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : [];
  if (depth >= depthMax || typeof value !== 'object' || value === null) return undefined;
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const found = firstNonFinite(object[key], depth + 1);
    if (found !== undefined) {
      found.unshift(key);
      return found;
    }
  }
  return undefined;
}

/** The field named in the error: `querystring.limit`, `params.id`, or a body path (`a.b.1`). */
function nonFiniteField(request: { query: unknown; params: unknown; body: unknown }): string | undefined {
  for (const [part, value] of [
    ['querystring', request.query],
    ['params', request.params],
  ] as const) {
    const found = firstNonFinite(value, 0);
    if (found !== undefined) return [part, ...found].join('.');
  }
  const found = firstNonFinite(request.body, 0);
  return found === undefined ? undefined : found.join('.') || 'body';
}

/**
 * Refuses requests carrying an infinite number. JSON.parse and the query-string coercion both turn
 * `1e309` into Infinity, which JSON Schema's integer and range checks let through and the database
 * then rejects as a type mismatch — a 500 for what is plainly bad input.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const field = nonFiniteField(request);
    if (field !== undefined) {
      done(new LockstepError('VALIDATION_FAILED', `${field} must be a finite number`, { field }));
      return;
    }
    done();
  });
}
