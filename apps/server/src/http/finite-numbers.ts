import type { FastifyInstance } from 'fastify';
import { LockstepError } from '@lockstep/protocol';

/** Deeper input than this is not walked; the schemas already bound nesting far below it. */
const depthMax = 16;

/** The path of the first number in `value` that is not finite (`1e309` parses as Infinity). */
function firstNonFinite(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (depth >= depthMax || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = firstNonFinite(child, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses requests carrying an infinite number. JSON.parse and the query-string coercion both turn
 * `1e309` into Infinity, which JSON Schema's integer and range checks let through and the database
 * then rejects as a type mismatch — a 500 for what is plainly bad input.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const field =
      firstNonFinite(request.query, 'querystring', 0) ??
      firstNonFinite(request.params, 'params', 0) ??
      firstNonFinite(request.body, '', 0);
    if (field !== undefined) {
      done(
        new LockstepError('VALIDATION_FAILED', `${field || 'body'} must be a finite number`, {
          field: field || 'body',
        }),
      );
      return;
    }
    done();
  });
}
