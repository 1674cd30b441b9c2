/**
 * Every route fed random requests (fast-check): whatever arrives, the server answers below 500 and
 * every refusal is a catalogue error body without internals. The routes are read from the server's
 * own /openapi.json, so a newly added route is fuzzed without touching this file. The WebSocket
 * endpoint gets random frames and handshakes and must answer or close, never fall over.
 *
 * On a failure fast-check prints the seed and path; replay with `{ seed, path }` in fc.assert.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import WebSocket from 'ws';
import { errorCatalogue, isErrorCode } from '@lockstep/protocol';
import { startTestServer, strongPassword, uniqueEmail } from '../support/server.ts';
import { hashPassword } from '../../apps/server/src/security/password-policy.ts';

// ---------------------------------------------------------------------------------------------
// The server under fuzz: one real server; the limits are raised so the fuzz itself never locks out.

const server = await startTestServer({
  registerPerIpMax: 1_000_000,
  throttle: { emailFailuresMax: 1_000_000_000, ipFailuresMax: 1_000_000_000 },
  // No timer heartbeats: every heartbeat a fuzzed socket sees answers one of its own pings.
  heartbeatMs: 3_600_000,
});
/** Server-side sockets, so teardown can end one a bug left hanging (else close() would wait forever). */
const serverSockets = new Set<net.Socket>();
server.app.server.on('connection', (socket: net.Socket) => {
  serverSockets.add(socket);
  socket.on('close', () => serverSockets.delete(socket));
});
afterAll(async () => {
  for (const socket of serverSockets) socket.destroy();
  await server.dispose();
});
const { hostname, port } = new URL(server.url);
const wsUrl = `${server.url.replace(/^http/, 'ws')}/v1/ws`;

/** Exceptions and rejections nobody caught: in production each one would kill the process. */
const faults: unknown[] = [];
/** Called on each fault, so a run waiting on the server fails at once instead of timing out. */
const faultListeners = new Set<(error: unknown) => void>();
const recordFault = (error: unknown): void => {
  faults.push(error);
  for (const listener of faultListeners) listener(error);
};
process.on('uncaughtException', recordFault);
process.on('unhandledRejection', recordFault);
afterAll(() => {
  process.off('uncaughtException', recordFault);
  process.off('unhandledRejection', recordFault);
});

// ---------------------------------------------------------------------------------------------
// Route discovery from /openapi.json.

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  $ref?: string;
}

interface OpenApiOperation {
  parameters?: Array<{ in: string; name: string; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface Route {
  method: string;
  /** OpenAPI form, `/v1/sessions/{id}`. */
  path: string;
  pathParams: Record<string, JsonSchema>;
  query: Record<string, JsonSchema>;
  body: JsonSchema | undefined;
}

const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

function discoverRoutes(doc: OpenApiDocument): Route[] {
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    const ref = schema?.$ref?.replace('#/components/schemas/', '');
    return ref !== undefined ? resolve(doc.components?.schemas?.[ref]) : schema;
  };
  const found: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!(httpMethods as readonly string[]).includes(method.toUpperCase())) continue;
      const params = (where: string): Record<string, JsonSchema> =>
        Object.fromEntries(
          (operation.parameters ?? [])
            .filter((p) => p.in === where)
            .map((p) => [p.name, resolve(p.schema) ?? {}]),
        );
      found.push({
        method: method.toUpperCase(),
        path,
        pathParams: params('path'),
        query: params('query'),
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  return found;
}

const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
const routes = discoverRoutes(openapi);

/** Whether a concrete path is served by an OpenAPI path template. */
function templateMatches(template: string, path: string): boolean {
  const source = template
    .split('/')
    .map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`).test(path);
}

// ---------------------------------------------------------------------------------------------
// Sending raw requests and checking every answer.

interface Request {
  method: string;
  /** Sent byte for byte: already percent-encoded (or deliberately not). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request on its own connection, so a request the server rejects cannot poison the next one. */
function send(request: Request): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(request.body.length);
    const req = http.request(
      { host: hostname, port, method: request.method, path: request.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    // A safety net against a hung server, not a measurement.
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${request.method} ${request.path}`)));
    req.on('error', (error) =>
      reject(new Error(`${request.method} ${request.path} failed: ${error.message}`)),
    );
    req.end(request.body);
  });
}

function describeRequest(request: Request): string {
  const body =
    request.body === undefined ? '' : ` body=${JSON.stringify(request.body.toString('utf8').slice(0, 200))}`;
  return `${request.method} ${request.path.slice(0, 200)} headers=${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

/** What a leaked stack trace looks like: an indented frame, or a source file with a line number. */
const stackMarkers = [/ {4}at /, /\.[cm]?[jt]s:\d+/];

/**
 * The answer's text without the field name it echoes: a validation error names the field the
 * request sent (in `field`, and at the start of `message`), so a random key such as `ts:` comes
 * back in it and is no leak. Only those two echoes are taken out; everything else is checked.
 */
function withoutEchoedField(text: string): string {
  const body = parseJson(text);
  if (!isRecord(body) || typeof body.field !== 'string') return text;
  const { field, ...rest } = body;
  if (typeof rest.message === 'string' && rest.message.startsWith(field))
    rest.message = rest.message.slice(field.length);
  return JSON.stringify(rest);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The assertions every answer to every request must pass. */
function checkAnswer(request: Request, answer: Answer): void {
  const what = `${describeRequest(request)}\n  answered ${answer.status}: ${answer.text.slice(0, 400)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(200);
  expect(answer.status, what).toBeLessThan(500);
  const unechoed = withoutEchoedField(answer.text);
  for (const marker of stackMarkers) expect(unechoed, `stack trace text in ${what}`).not.toMatch(marker);
  if (request.method === 'HEAD') return;
  const body = parseJson(answer.text);
  expect(body, `body is not JSON: ${what}`).toBeDefined();
  if (answer.status < 400) return;
  expect(isRecord(body), `error body is not an object: ${what}`).toBe(true);
  const { code, message } = body as Record<string, unknown>;
  expect(isErrorCode(code), `code ${String(code)} is not in the catalogue: ${what}`).toBe(true);
  expect(typeof message, `message is not a string: ${what}`).toBe('string');
  expect(answer.status, `status differs from the catalogue's for ${String(code)}: ${what}`).toBe(
    errorCatalogue[code as keyof typeof errorCatalogue].status,
  );
}

// ---------------------------------------------------------------------------------------------
// Valid credentials, refreshed whenever a fuzzed request may have revoked them.

interface Live {
  token: string;
  sessionId: string;
  csrfToken: string;
}

const account = { email: uniqueEmail('fuzz'), password: strongPassword };

class CredentialPool {
  private bearer: Live | undefined;
  private cookie: Live | undefined;
  /** Tokens of sessions that were signed out, to fuzz SESSION_REVOKED paths. */
  readonly stale: string[] = [];

  async bearerSession(): Promise<Live> {
    this.bearer ??= await this.login(false);
    return this.bearer;
  }

  async cookieSession(): Promise<Live> {
    this.cookie ??= await this.login(true);
    return this.cookie;
  }

  /** Forgets both sessions; the next use logs in again. */
  spoil(): void {
    for (const live of [this.bearer, this.cookie]) if (live) this.stale.push(live.token);
    this.stale.splice(0, Math.max(0, this.stale.length - 10));
    this.bearer = undefined;
    this.cookie = undefined;
  }

  private async login(cookie: boolean): Promise<Live> {
    const attempt = () =>
      fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...account, platform: 'web', deviceName: 'fuzz', cookie }),
      });
    let res = await attempt();
    if (res.status === 401) {
      // The fuzzer knows the password, so a fuzzed password change can go through with a new
      // password it did not keep; put the known one back behind the API's back and go on.
      const stored = await server.store.repos.accounts.findByEmail(account.email);
      await server.store.repos.accounts.setPasswordHash(stored!.id, await hashPassword(strongPassword));
      account.password = strongPassword;
      res = await attempt();
    }
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token?: string; csrfToken?: string; session: { id: string } };
    const token = cookie
      ? /lockstep_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
      : body.token;
    expect(token).toBeTruthy();
    return { token: token!, sessionId: body.session.id, csrfToken: body.csrfToken ?? '' };
  }
}

const pool = new CredentialPool();

beforeAll(async () => {
  const res = await fetch(`${server.url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  expect(res.status).toBe(201);
});

// ---------------------------------------------------------------------------------------------
// Arbitraries.

/** Whether a generated input is free of the stack markers, raw and decoded, so an echo is no false alarm. */
function markerFree(text: string): boolean {
  const forms = [text, text.replace(/\+/g, ' ')];
  try {
    forms.push(decodeURIComponent(text.replace(/\+/g, ' ')));
  } catch {
    // Malformed on purpose; the raw forms are checked.
  }
  return !forms.some((form) => stackMarkers.some((marker) => marker.test(form)));
}

const numberLike = fc.constantFrom(
  'NaN',
  '-1',
  '0',
  '-0',
  '1e309',
  '-1e309',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '1.5',
  '0x1F',
  '1_000',
  '',
  ' ',
  'null',
  'true',
  'false',
  '[]',
  '{}',
  'undefined',
  '-9999999999999999999999',
);
const prototypeWords = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
);
const hugeText = fc
  .tuple(fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }), fc.integer({ min: 1_000, max: 40_000 }))
  .map(([unit, length]) => unit.repeat(length).slice(0, length));

const text = fc
  .oneof(
    { arbitrary: fc.string(), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
    { arbitrary: numberLike, weight: 2 },
    { arbitrary: prototypeWords, weight: 1 },
    { arbitrary: hugeText, weight: 1 },
  )
  .filter(markerFree);

const oddNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, -0, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 2 ** 31, 2 ** 53, 5e-324, 0.5),
);

function nest(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}
const deeplyNested = fc
  .tuple(fc.integer({ min: 2, max: 3_000 }), fc.constantFrom('array' as const, 'object' as const))
  .map(([depth, kind]) => nest(depth, kind));

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  oddNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(text, oddNumber), { maxLength: 5 }),
  fc.object({ maxDepth: 2 }),
  deeplyNested,
  fc.anything({ maxDepth: 3 }),
);

const safeJson = (value: unknown): string | undefined => {
  const json = JSON.stringify(value) as string | undefined;
  return json !== undefined && markerFree(json) ? json : undefined;
};

/** A value the schema accepts (mostly; formats are approximated). */
function validValue(schema: JsonSchema, name = ''): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validValue(s, name)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { maxLength: 4 });
    case 'object':
      return validObject(schema);
    case 'string':
      return validString(schema, name);
    case undefined:
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

function validString(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 200, 200);
  if (schema.format === 'email') {
    return fc.oneof(
      fc.integer({ min: 0, max: 200 }).map((n) => `fuzz-${n}@example.test`),
      fc.emailAddress(),
      fc.constant(account.email),
    );
  }
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern);
    return fc
      .stringMatching(pattern)
      .filter((s) => s.length > 0)
      .map((s) => s.repeat(Math.ceil(Math.max(min, 1) / s.length)).slice(0, Math.max(max, min)))
      .filter((s) => pattern.test(s) && s.length >= min);
  }
  const free = fc
    .string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, max) })
    .filter(markerFree);
  if (/password/i.test(name)) {
    return fc.oneof(
      fc.constant(strongPassword),
      fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }).filter(markerFree),
      free,
    );
  }
  return free;
}

/** An object every field of which the schema accepts. */
function validObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = (schema.required ?? []).filter((k) => k in properties);
  const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, validValue(s, key)]));
  return fc.record(model, { requiredKeys: required });
}

/** An object built from the schema with fields missing, of the wrong type, and extra ones. */
function mutatedObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model = Object.fromEntries(
    Object.entries(properties).map(([key, s]) => [
      key,
      fc.oneof({ arbitrary: validValue(s, key), weight: 2 }, { arbitrary: wrongValue, weight: 1 }),
    ]),
  );
  const extra = fc.dictionary(fc.oneof(text, prototypeWords), wrongValue, { maxKeys: 3 });
  return fc
    .tuple(fc.record(model, { requiredKeys: [] }), fc.option(extra, { freq: 2 }))
    .map(([fields, more]) => (more ? { ...more, ...fields } : fields));
}

interface Body {
  contentType: string | undefined;
  bytes: Buffer | undefined;
}

function jsonBody(route: Route): fc.Arbitrary<Body> {
  const values: fc.Arbitrary<unknown> = route.body
    ? fc.oneof(
        { arbitrary: validObject(route.body), weight: 3 },
        { arbitrary: mutatedObject(route.body), weight: 4 },
        { arbitrary: wrongValue, weight: 1 },
        { arbitrary: fc.anything(), weight: 1 },
      )
    : fc.oneof(wrongValue, fc.anything(), fc.constant(undefined), fc.constant({}));
  const asValue = values.map((value): Body => {
    const json = safeJson(value);
    return { contentType: 'application/json', bytes: json === undefined ? undefined : Buffer.from(json) };
  });
  const asJsonText = fc
    .json({ maxDepth: 4 })
    .filter(markerFree)
    .map((json): Body => ({ contentType: 'application/json', bytes: Buffer.from(json) }));
  return fc.oneof({ arbitrary: asValue, weight: 4 }, { arbitrary: asJsonText, weight: 1 });
}

const headerChar = fc.oneof(
  { arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 8 },
  { arbitrary: fc.constant(' '), weight: 1 },
  { arbitrary: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), weight: 1 },
);
/** Text Node lets through as a header value (any byte but controls). */
const headerText = fc.string({ unit: headerChar, maxLength: 80 }).filter(markerFree);

const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/jsonx',
    'application/problem+json',
    'text/plain',
    'text/plain; charset=utf-8',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----fuzz',
    'application/octet-stream',
    '*/*',
    '',
    ';',
    'application/',
    '/json',
  ),
  headerText,
);

const rawBytes = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  text.map((s) => Buffer.from(s)),
  fc
    .json({ maxDepth: 3 })
    .filter((s) => s.length > 1 && markerFree(s))
    .map((s) => Buffer.from(s.slice(0, -1))),
  fc
    .constantFrom(
      'email=a%40b.test&password=violet-Harbor-91',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"email":"a@b.test",}',
      "{'email':'a@b.test'}",
      'null',
      '\u0000\u0000',
      '\uFEFF{}',
    )
    .map((s) => Buffer.from(s)),
  fc
    .tuple(fc.integer({ min: 1_000, max: 30_000 }), fc.constantFrom('[', '{"a":'))
    .map(([depth, open]) => Buffer.from(open.repeat(depth) + (open === '[' ? ']' : '}').repeat(depth))),
  fc.integer({ min: 65 * 1024, max: 80 * 1024 }).map((n) => Buffer.from(`"${'a'.repeat(n)}"`)),
);

const rawBody = fc.record({
  contentType: fc.option(contentTypes, { nil: undefined }),
  bytes: fc.option(rawBytes, { nil: undefined, freq: 6 }),
});

/** Percent-encodes every byte outside the unreserved set; never throws on lone surrogates. */
function pct(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** A credential to present; the placeholders are filled from the pool when the request is sent. */
type CredentialChoice =
  | { kind: 'none' }
  | { kind: 'bearer' }
  | { kind: 'stale' }
  | { kind: 'cookie'; csrf: 'valid' | 'none' | 'wrong'; origin: 'none' | 'same' | 'foreign' }
  | { kind: 'bearer-garbage'; token: string }
  | { kind: 'authorization-garbage'; value: string };

const credential: fc.Arbitrary<CredentialChoice> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'bearer' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'stale' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('cookie' as const),
      csrf: fc.constantFrom('valid' as const, 'none' as const, 'wrong' as const),
      origin: fc.constantFrom('none' as const, 'same' as const, 'foreign' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('bearer-garbage' as const),
      token: fc.oneof(headerText, fc.constantFrom('', 'lss_', `lss_${'A'.repeat(43)}`, 'null', 'Bearer')),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('authorization-garbage' as const), value: headerText }),
    weight: 1,
  },
);

/** Headers for a credential choice; tells whether it was a live session. */
async function credentialHeaders(
  choice: CredentialChoice,
): Promise<{ headers: Record<string, string>; live?: Live }> {
  switch (choice.kind) {
    case 'none':
      return { headers: {} };
    case 'bearer': {
      const live = await pool.bearerSession();
      return { headers: { authorization: `Bearer ${live.token}` }, live };
    }
    case 'stale':
      return { headers: { authorization: `Bearer ${pool.stale[0] ?? 'lss_never-issued'}` } };
    case 'cookie': {
      const live = await pool.cookieSession();
      const headers: Record<string, string> = {
        cookie: `lockstep_session=${live.token}; lockstep_csrf=${live.csrfToken}`,
      };
      if (choice.csrf === 'valid') headers['x-csrf-token'] = live.csrfToken;
      if (choice.csrf === 'wrong') headers['x-csrf-token'] = `csrf_${'x'.repeat(43)}`;
      if (choice.origin === 'same') headers.origin = server.url;
      if (choice.origin === 'foreign') headers.origin = 'https://evil.example';
      return { headers, live };
    }
    case 'bearer-garbage':
      return { headers: { authorization: `Bearer ${choice.token}` } };
    case 'authorization-garbage':
      return { headers: { authorization: choice.value } };
  }
}

/** A path parameter: valid for its schema, one of the pool's real session ids, or random text. */
function pathParam(schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: validValue(schema).map((v) => pct(String(v))), weight: 3 },
    { arbitrary: fc.constantFrom('@own', '@other'), weight: 2 },
    // The router refuses parameters over 100 characters before any handler runs; a dedicated test covers that.
    { arbitrary: text.map(pct).filter((s) => s.length <= 100), weight: 3 },
  );
}

async function fillPath(
  route: Route,
  params: Record<string, string>,
  live: Live | undefined,
): Promise<string> {
  let path = route.path;
  for (const [name, value] of Object.entries(params)) {
    let filled = value;
    if (value === '@own') filled = (live ?? (await pool.bearerSession())).sessionId;
    if (value === '@other') {
      const bearer = await pool.bearerSession();
      filled = live?.token === bearer.token ? (await pool.cookieSession()).sessionId : bearer.sessionId;
    }
    path = path.replace(`{${name}}`, filled);
  }
  return path;
}

function defaultParams(route: Route): Record<string, string> {
  return Object.fromEntries(Object.keys(route.pathParams).map((name) => [name, 'fuzz_session_id']));
}

/**
 * Node refuses a request line and headers over 16 KiB before the app sees them; the general properties
 * stay below that, and a dedicated test covers what such refusals look like.
 */
const urlLengthMax = 8_000;

const queryChar = fc.constantFrom(..."abcxyz019AFaf=&%;[]+.-_~!$'()*,:@/?".split(''));
function queryString(route: Route): fc.Arbitrary<string> {
  const names = Object.keys(route.query);
  const key = names.length > 0 ? fc.oneof(fc.constantFrom(...names), text) : text;
  const value = fc.oneof(
    ...Object.values(route.query).map((s) => validValue(s).map(String)),
    numberLike,
    text,
    fc.constant(''),
  );
  const encoded = fc
    .array(fc.tuple(key, value), { maxLength: 5 })
    .map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));
  const raw = fc.string({ unit: queryChar, maxLength: 60 }).filter(markerFree);
  return fc
    .oneof({ arbitrary: encoded, weight: 3 }, { arbitrary: raw, weight: 1 })
    .map((q) => (q ? `?${q}` : ''))
    .filter((q) => q.length <= urlLengthMax);
}

const userAgent = fc.option(headerText, { nil: undefined });

// ---------------------------------------------------------------------------------------------
// The fuzz loop for one request shape.

interface Shape {
  method?: string;
  params?: Record<string, string>;
  query?: string;
  pathOverride?: string;
  credential: CredentialChoice;
  extraHeaders?: Record<string, string>;
  body?: Body;
  userAgent?: string | undefined;
}

async function fire(route: Route, shape: Shape): Promise<{ request: Request; answer: Answer }> {
  const { headers, live } = await credentialHeaders(shape.credential);
  const path = shape.pathOverride ?? (await fillPath(route, shape.params ?? defaultParams(route), live));
  const request: Request = {
    method: shape.method ?? route.method,
    path: `${path}${shape.query ?? ''}`,
    headers: { ...headers, ...shape.extraHeaders },
  };
  if (shape.userAgent !== undefined) request.headers['user-agent'] = shape.userAgent;
  if (shape.body?.contentType !== undefined) request.headers['content-type'] = shape.body.contentType;
  if (shape.body?.bytes !== undefined) request.body = shape.body.bytes;
  const answer = await send(request);
  checkAnswer(request, answer);
  // A write that went through on a live session may have signed it (or the other one) out.
  const body = parseJson(answer.text);
  const revoked = isRecord(body) && body.code === 'SESSION_REVOKED';
  // A password change that went through (the fuzzer knows the current password) sets the next one.
  if (
    request.path.startsWith('/v1/security/password') &&
    answer.status === 200 &&
    request.body !== undefined
  ) {
    const sent = parseJson(Buffer.from(request.body).toString('utf8'));
    if (isRecord(sent) && typeof sent.newPassword === 'string') account.password = sent.newPassword;
  }
  if (revoked || (live && request.method !== 'GET' && answer.status < 300)) pool.spoil();
  return { request, answer };
}

const runs = { json: 110, raw: 45, query: 45, credentials: 45, badUrl: 15, methods: 15 };

// ---------------------------------------------------------------------------------------------
// HTTP.

describe('every route fed random requests (fast-check): no 5xx, only catalogue errors', () => {
  it('discovers the routes from /openapi.json', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/register',
        'POST /v1/auth/login',
        'POST /v1/auth/logout',
        'GET /v1/me',
        'GET /v1/sessions',
        'DELETE /v1/sessions/{id}',
        'POST /v1/sessions/revoke-others',
        'POST /v1/sessions/revoke-all',
        'GET /v1/login-history',
        'GET /healthz',
      ]),
    );
  });

  describe.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s',
    (_name, route) => {
      const params = fc.record(
        Object.fromEntries(
          Object.entries(route.pathParams).map(([name, schema]) => [name, pathParam(schema)]),
        ),
      );

      it('JSON bodies: built from its schema with wrong types, missing and extra fields; fc.anything; fc.json', async () => {
        await fc.assert(
          fc.asyncProperty(jsonBody(route), credential, params, userAgent, async (body, cred, p, ua) => {
            await fire(route, { body, credential: cred, params: p, userAgent: ua });
          }),
          { numRuns: runs.json },
        );
      });

      it('raw non-JSON bodies under right, wrong and missing content types', async () => {
        await fc.assert(
          fc.asyncProperty(rawBody, credential, async (body, cred) => {
            await fire(route, { body, credential: cred });
          }),
          { numRuns: runs.raw },
        );
      });

      it('random query strings and path parameters', async () => {
        await fc.assert(
          fc.asyncProperty(queryString(route), params, credential, async (query, p, cred) => {
            await fire(route, { query, params: p, credential: cred });
          }),
          { numRuns: runs.query },
        );
      });

      it('garbage credentials: tokens, cookies, CSRF headers and origins', async () => {
        const cookieChar = fc.oneof(
          fc.constantFrom(...'abcXYZ019=;,_-. "\'\\/'.split('')),
          fc.constantFrom(
            '%',
            '%E0%A4%A',
            '%%',
            '%ZZ',
            '%C3%28',
            '%00',
            '%FF',
            '%2',
            'lockstep_session=',
            'lockstep_csrf=',
          ),
        );
        const cookieValue = fc.oneof(
          fc.string({ unit: cookieChar, maxLength: 12 }),
          headerText.map((s) => s.replace(/;/g, '')),
        );
        const cookieHeader = fc
          .array(fc.tuple(fc.constantFrom('lockstep_session', 'lockstep_csrf', 'session', ''), cookieValue), {
            minLength: 1,
            maxLength: 3,
          })
          .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; '))
          .filter(markerFree);
        const garbage = fc.record(
          {
            authorization: fc.oneof(
              headerText,
              headerText.map((t) => `Bearer ${t}`),
            ),
            cookie: fc.oneof(cookieHeader, headerText),
            'x-csrf-token': headerText,
            origin: fc.oneof(
              headerText,
              fc.constantFrom('null', 'https://evil.example', 'http://[::1', server.url),
            ),
          },
          { requiredKeys: [] },
        );
        await fc.assert(
          fc.asyncProperty(garbage, jsonBody(route), async (headers, body) => {
            await fire(route, { credential: { kind: 'none' }, extraHeaders: headers, body });
          }),
          { numRuns: runs.credentials },
        );
      });

      it('malformed percent-encoding and raw bytes in the path', async () => {
        const junk = fc
          .string({
            unit: fc.oneof(
              fc.constantFrom(
                '%',
                '%E0%A4%A',
                '%ZZ',
                '%C3%28',
                '%00',
                '%2F',
                '%FF',
                'é',
                '\u00ff',
                '..',
                '//',
              ),
              fc
                .integer({ min: 0x21, max: 0x7e })
                .map((c) => String.fromCharCode(c))
                .filter((c) => c !== '?' && c !== '#'),
            ),
            minLength: 1,
            maxLength: 10,
          })
          .filter(markerFree);
        await fc.assert(
          fc.asyncProperty(junk, fc.boolean(), credential, async (segment, replaceLast, cred) => {
            const base = await fillPath(route, defaultParams(route), undefined);
            const path = replaceLast ? base.replace(/[^/]*$/, segment) : `${base}${segment}`;
            await fire(route, { pathOverride: path, credential: cred });
          }),
          { numRuns: runs.badUrl },
        );
      });

      // Only routes with path parameters get this case; the others have nothing to overflow.
      if (Object.keys(route.pathParams).length > 0) {
        it('a path parameter longer than the router allows', async () => {
          for (const length of [101, 1_000]) {
            const params = Object.fromEntries(
              Object.keys(route.pathParams).map((name) => [name, 'a'.repeat(length)]),
            );
            for (const cred of [{ kind: 'none' as const }, { kind: 'bearer' as const }])
              await fire(route, { params, credential: cred });
          }
        });
      }

      it('other HTTP methods on its path answer METHOD_NOT_ALLOWED', async () => {
        const path = await fillPath(route, defaultParams(route), undefined);
        const served = routes.filter((r) => templateMatches(r.path, path)).map((r) => r.method);
        const others = httpMethods.filter((m) => !served.includes(m));
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...others),
            credential,
            jsonBody(route),
            async (method, cred, body) => {
              const { answer } = await fire(route, { method, pathOverride: path, credential: cred, body });
              expect(answer.status, `${method} ${path}`).toBe(405);
              expect((parseJson(answer.text) as { code: string }).code).toBe('METHOD_NOT_ALLOWED');
              for (const m of served) expect(String(answer.headers.allow), `${method} ${path}`).toContain(m);
            },
          ),
          { numRuns: runs.methods },
        );
      });
    },
  );

  it('unknown paths answer NOT_FOUND', async () => {
    const segment = text.map(pct).filter((s) => s.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...httpMethods),
        credential,
        async (segments, method, cred) => {
          const path = `/${segments.join('/')}`;
          fc.pre(path.length <= urlLengthMax && !routes.some((r) => templateMatches(r.path, path)));
          const { answer } = await fire(routes[0]!, { method, pathOverride: path, credential: cred });
          expect([404, 405]).toContain(answer.status);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('requests the HTTP parser rejects still get a catalogue error body', async () => {
    const cases = [
      `GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /v1/login-history?limit=${'9'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
      'GET /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ];
    for (const raw of cases) {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => socket.write(raw));
        let out = '';
        socket.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        socket.on('end', () => resolve(out));
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1]);
      const body = parseJson(reply.slice(reply.indexOf('\r\n\r\n') + 4));
      const what = `${raw.slice(0, 80)}…\n  answered: ${reply.slice(0, 300)}`;
      expect(status, what).toBeLessThan(500);
      expect(isRecord(body) && isErrorCode(body.code), `no catalogue code: ${what}`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// WebSocket.

const serverMessageTypes = ['hello', 'event', 'replayed', 'reset', 'heartbeat', 'revoked', 'error'];
/** Close codes the server may end a fuzzed socket with: the app's own and ws's protocol ones. */
const allowedCloseCodes = [1000, 1001, 1002, 1007, 1009, 4001, 4400, 4401];

type Frame =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'invalid-utf8' }
  | { kind: 'oversized'; size: number };

const clientMessage = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('auth', 'subscribe', 'ping', 'hello', 'event'), text),
      token: fc.oneof(text, fc.constant('@valid'), oddNumber),
      since: fc.oneof(oddNumber, text, fc.constant(0)),
      epoch: fc.oneof(text, oddNumber),
    },
    { requiredKeys: ['type'] },
  ),
  fc.anything({ maxDepth: 2 }),
);

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: clientMessage.map((m): Frame => ({ kind: 'text', data: safeJson(m) ?? 'null' })), weight: 5 },
  { arbitrary: text.map((data): Frame => ({ kind: 'text', data: data.slice(0, 3_000) })), weight: 2 },
  {
    arbitrary: fc
      .json({ maxDepth: 3 })
      .filter(markerFree)
      .map((data): Frame => ({ kind: 'text', data })),
    weight: 1,
  },
  {
    arbitrary: fc.uint8Array({ maxLength: 256 }).map((data): Frame => ({ kind: 'binary', data })),
    weight: 2,
  },
  { arbitrary: fc.constant<Frame>({ kind: 'invalid-utf8' }), weight: 1 },
  {
    arbitrary: fc.integer({ min: 4_097, max: 8_000 }).map((size): Frame => ({ kind: 'oversized', size })),
    weight: 1,
  },
);

interface WsRun {
  opened: boolean;
  /** The HTTP status when the handshake was refused. */
  refusedWith?: number;
  messages: unknown[];
  /** The close code, when the server closed first. */
  serverClose?: number;
}

function checkServerMessage(message: unknown, what: string): void {
  expect(isRecord(message), `not a JSON object: ${what}`).toBe(true);
  const { type, code } = message as Record<string, unknown>;
  expect(serverMessageTypes, `unknown message type ${String(type)}: ${what}`).toContain(type);
  if (type === 'error') {
    expect(isErrorCode(code), `error code ${String(code)} not in the catalogue: ${what}`).toBe(true);
    expect(typeof (message as Record<string, unknown>).message).toBe('string');
  }
}

/** Whether the server reads a frame as a ping (an object whose type is "ping"), which it answers with a heartbeat. */
function isPing(f: Frame): boolean {
  const message = f.kind === 'text' ? parseJson(f.data) : undefined;
  return isRecord(message) && message.type === 'ping';
}

/** Frames after which the server ends the connection (ws protocol errors). */
const endsConnection = (f: Frame): boolean => f.kind === 'invalid-utf8' || f.kind === 'oversized';

/** Opens a socket, sends the frames, then a ping; resolves once the server answered every ping or closed. */
async function wsRun(
  headers: Record<string, string>,
  frames: Frame[],
  token: string | undefined,
): Promise<WsRun> {
  const run: WsRun = { opened: false, messages: [] };
  const ws = new WebSocket(wsUrl, { headers, handshakeTimeout: 5_000 });
  let closedByUs = false;
  let heartbeatsAwaited = frames.filter(isPing).length + 1;
  let onFault: ((error: unknown) => void) | undefined;
  const settled = new Promise<void>((resolve, reject) => {
    onFault = (error) => {
      reject(new Error(`an exception escaped the server: ${String(error)}`));
      ws.terminate();
    };
    faultListeners.add(onFault);
    ws.on('unexpected-response', (_req, res) => {
      run.refusedWith = res.statusCode;
      res.resume();
      resolve();
    });
    ws.on('error', (error) => {
      if (!run.opened && run.refusedWith === undefined)
        reject(new Error(`handshake got no answer: ${error.message}`));
    });
    ws.on('message', (data: Buffer) => {
      const message = parseJson(data.toString('utf8'));
      run.messages.push(message);
      checkServerMessage(
        message,
        `${JSON.stringify(frames).slice(0, 400)} -> ${data.toString('utf8').slice(0, 200)}`,
      );
      if (isRecord(message) && message.type === 'heartbeat' && --heartbeatsAwaited === 0) resolve();
    });
    ws.on('close', (code) => {
      if (!closedByUs) run.serverClose = code;
      resolve();
    });
    ws.on('open', () => {
      run.opened = true;
      for (const f of frames) {
        if (ws.readyState !== WebSocket.OPEN) break;
        const noop = (): void => undefined;
        if (f.kind === 'text') ws.send(f.data.replace('@valid', token ?? ''), { binary: false }, noop);
        if (f.kind === 'binary') ws.send(f.data, { binary: true }, noop);
        if (f.kind === 'invalid-utf8')
          ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }, noop);
        if (f.kind === 'oversized') ws.send('x'.repeat(f.size), { binary: false }, noop);
      }
      if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}', () => undefined);
    });
  });
  try {
    await settled;
  } finally {
    if (onFault) faultListeners.delete(onFault);
  }
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
    closedByUs = true;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close(1000);
    await closed;
  }
  return run;
}

function checkRun(run: WsRun, frames: Frame[], faultsBefore: number): void {
  const what = JSON.stringify({ frames, run }).slice(0, 800);
  expect(faults.slice(faultsBefore), `an exception escaped: ${what}`).toEqual([]);
  if (run.refusedWith !== undefined) {
    expect(run.refusedWith, what).toBeGreaterThanOrEqual(400);
    expect(run.refusedWith, what).toBeLessThan(500);
    return;
  }
  expect(run.opened, what).toBe(true);
  if (run.serverClose !== undefined) {
    expect(allowedCloseCodes, `closed with ${run.serverClose}: ${what}`).toContain(run.serverClose);
  } else {
    // Still open: it answered every ping, and every binary frame got an error message.
    expect(run.messages.filter((m) => isRecord(m) && m.type === 'heartbeat').length, what).toBe(
      frames.filter(isPing).length + 1,
    );
    const cut = frames.findIndex(endsConnection);
    const junk = (cut === -1 ? frames : frames.slice(0, cut)).filter((f) => f.kind === 'binary').length;
    const errors = run.messages.filter((m) => isRecord(m) && m.type === 'error').length;
    expect(errors, `binary frames answered by fewer errors: ${what}`).toBeGreaterThanOrEqual(junk);
  }
}

describe('/v1/ws fed random frames and handshakes', () => {
  it('random text and binary frames before authentication', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
        const before = faults.length;
        const { token } = await pool.bearerSession();
        checkRun(await wsRun({}, frames, token), frames, before);
      }),
      { numRuns: 60 },
    );
  });

  it('random text and binary frames after authentication', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(frame, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (frames, viaMessage) => {
          const before = faults.length;
          const { token } = await pool.bearerSession();
          const auth: Frame = { kind: 'text', data: JSON.stringify({ type: 'auth', token }) };
          const run = viaMessage
            ? await wsRun({}, [auth, ...frames], token)
            : await wsRun({ authorization: `Bearer ${token}` }, frames, token);
          checkRun(run, frames, before);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('random handshake credentials, cookies and origins', async () => {
    const cookieValue = fc.string({
      unit: fc.oneof(
        fc.constantFrom(...'abcXYZ019=,_-. '.split('')),
        fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%FF'),
      ),
      maxLength: 12,
    });
    const headers = fc.record(
      {
        authorization: fc.oneof(
          headerText,
          headerText.map((t) => `Bearer ${t}`),
        ),
        cookie: fc.oneof(
          cookieValue.map((v) => `lockstep_session=${v}`),
          headerText,
        ),
        origin: fc.oneof(headerText, fc.constantFrom('null', 'https://evil.example', server.url)),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.array(frame, { maxLength: 2 }), async (h, frames) => {
        const before = faults.length;
        checkRun(await wsRun(h, frames, undefined), frames, before);
      }),
      { numRuns: 40 },
    );
  });

  it('afterwards: no exception escaped the server during the whole file', () => {
    expect(faults).toEqual([]);
  });

  it('afterwards: every socket is closed, devices still connect and /healthz is ok', async () => {
    await vi.waitFor(() => expect(server.hub.connectionCount).toBe(0), { timeout: 10_000 });
    const health = await send({ method: 'GET', path: '/healthz', headers: {} });
    expect(health.status).toBe(200);
    expect((parseJson(health.text) as { status: string }).status).toBe('ok');
    const { token } = await pool.bearerSession();
    const me = await send({ method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const first = await new Promise<unknown>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(parseJson(data.toString('utf8'))));
      ws.once('error', reject);
    });
    expect(first).toMatchObject({ type: 'hello' });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close(1000);
    await closed;
  });
});
