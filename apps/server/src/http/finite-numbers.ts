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

const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
const valuesOf = (value: unknown): unknown[] =>
  typeof value === 'object' && value !== null ? Object.values(value) : [];

/** Keywords a schema without a type may carry and still hold no number its alternatives do not. */
const typelessKeys = new Set([
  'anyOf',
  'oneOf',
  'allOf',
  'title',
  'description',
  '$id',
  '$comment',
  'default',
  'examples',
]);

/** Request parts a route's schema may name, in the order the error looks at them. */
const parts = ['querystring', 'params', 'body'] as const;
type Part = (typeof parts)[number];

/**
 * Whether input that `schema` accepts can hold a number. Only a part that can is walked: an order's
 * body is all strings, and walking it was about 7,000 instructions a request
 * (`bench:orders-instructions`). Conservative: no schema, a `$ref`, a schema without a type or an
 * object open to other properties can hold anything, a number included. (A number sent where the
 * schema wants a string is coerced to a string, `Infinity` included, and refused by the field's
 * own rules.)
 */
export function mayHoldNumber(schema: unknown, depth = 0): boolean {
  if (depth >= depthMax || typeof schema !== 'object' || schema === null) return true;
  const s = schema as Record<string, unknown>;
  if ('$ref' in s) return true;
  const alternatives = [...list(s.anyOf), ...list(s.oneOf), ...list(s.allOf)];
  if (alternatives.some((a) => mayHoldNumber(a, depth + 1))) return true;
  if ('const' in s) return typeof s.const === 'number';
  if (Array.isArray(s.enum)) return list(s.enum).some((v) => typeof v === 'number');
  // Without a type, only alternatives and annotations can be ruled out: any other keyword beside
  // them (`properties` next to an `anyOf`, say) may accept a number the alternatives do not name.
  if (s.type === undefined)
    return alternatives.length === 0 || Object.keys(s).some((key) => !typelessKeys.has(key));
  const types = Array.isArray(s.type) ? list(s.type) : [s.type];
  if (types.includes('number') || types.includes('integer')) return true;
  if (types.includes('array') && mayHoldNumber(s.items ?? true, depth + 1)) return true;
  if (types.includes('object')) {
    // Properties the schema does not name are open, unless it closes them or types them.
    const extra = s.additionalProperties;
    if (extra !== false && (typeof extra !== 'object' || mayHoldNumber(extra, depth + 1))) return true;
    const named = [...valuesOf(s.properties), ...valuesOf(s.patternProperties)];
    if (named.some((p) => mayHoldNumber(p, depth + 1))) return true;
  }
  return false;
}

/** The field named in the error: `querystring.limit`, `params.id`, or a body path (`a.b.1`). */
function nonFiniteField(
  request: { query: unknown; params: unknown; body: unknown },
  walked: readonly Part[],
): string | undefined {
  for (const part of walked) {
    const found = firstNonFinite(part === 'querystring' ? request.query : request[part], 0);
    if (found !== undefined) return part === 'body' ? found.join('.') || 'body' : [part, ...found].join('.');
  }
  return undefined;
}

/**
 * Refuses requests carrying an infinite number. JSON.parse and the query-string coercion both turn
 * `1e309` into Infinity, which JSON Schema's integer and range checks let through and the database
 * then rejects as a type mismatch — a 500 for what is plainly bad input. Each route gets the check
 * for the parts of its schema that can hold a number (`mayHoldNumber`), and none if no part can;
 * it must be installed before the routes.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Partial<Record<Part, unknown>>;
    const walked = parts.filter((part) => mayHoldNumber(schema[part]));
    if (walked.length === 0) return;
    const check = (
      request: { query: unknown; params: unknown; body: unknown },
      _reply: unknown,
      done: (error?: Error) => void,
    ): void => {
      const field = nonFiniteField(request, walked);
      if (field !== undefined) {
        done(new LockstepError('VALIDATION_FAILED', `${field} must be a finite number`, { field }));
        return;
      }
      done();
    };
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined ? [check] : [check, ...(Array.isArray(existing) ? existing : [existing])];
  });
}
