import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepClient, type AccountConnection, type ApiKeyCredentials } from '@lockstep/sdk';
import type {
  ApiKeyDeletedEvent,
  ApiKeyUpdatedEvent,
  ApiKeyView,
  CreateApiKeyBody,
} from '@lockstep/protocol';
import {
  ManualClock,
  backends,
  clientFor,
  registerAccount,
  startTestServer,
  steppedUp,
  type TestServer,
} from '../support/server.ts';
import { codeOf, fund } from '../support/trading.ts';

/** The key carried by the next `type` event on the connection (set up before the change). */
function keyEvent(
  connection: AccountConnection,
  type: (ApiKeyUpdatedEvent | ApiKeyDeletedEvent)['type'],
): Promise<ApiKeyView> {
  return connection
    .next('event', (e) => e.type === type)
    .then((e) => (e as ApiKeyUpdatedEvent | ApiKeyDeletedEvent).data.apiKey);
}

const order = { symbol: 'BTCUSDT', type: 'LIMIT', timeInForce: 'GTC', side: 'BUY' } as const;
const usdt = 1e8;

describe.each(backends)('API keys (%s)', (backend) => {
  let server: TestServer;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    server = await startTestServer({ backend, now: clock.now });
  });
  afterEach(async () => {
    await server.dispose();
  });

  /** A fresh account's first device, stepped up and funded with 10,000 USDT. */
  async function owner(): Promise<LockstepClient> {
    const client = clientFor(server);
    await client.login({ ...(await registerAccount(server)), platform: 'web' });
    await fund(server, client, 'USDT', 10_000 * usdt);
    return steppedUp(client);
  }

  /** A bot signing every request with the key, on the server's clock. */
  function bot(apiKey: ApiKeyCredentials, recvWindow?: number): LockstepClient {
    return new LockstepClient({ baseUrl: server.url, apiKey, now: clock.now, recvWindow });
  }

  async function hmacKey(client: LockstepClient, body: Partial<CreateApiKeyBody> = {}) {
    const created = await client.createApiKey({
      label: 'market maker',
      type: 'HMAC_SHA256',
      permissions: ['trade'],
      ...body,
    });
    return { ...created, credentials: { key: created.key, secret: created.secret! } };
  }

  /**
   * Sends a request by hand, its query exactly as given with `signature` appended last (signed
   * over `signedQuery + signedBody` unless a signature is given). Answers `status CODE field`.
   */
  async function sendSigned(options: {
    key: string;
    secret: string;
    method?: string;
    path: string;
    query: string;
    body?: string;
    signedQuery?: string;
    signedBody?: string;
    signature?: string;
    headers?: Record<string, string>;
  }): Promise<string> {
    const payload = (options.signedQuery ?? options.query) + (options.signedBody ?? options.body ?? '');
    const signature = options.signature ?? createHmac('sha256', options.secret).update(payload).digest('hex');
    const response = await fetch(`${server.url}${options.path}?${options.query}&signature=${signature}`, {
      method: options.method ?? 'GET',
      headers: {
        'x-mbx-apikey': options.key,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body,
    });
    if (response.ok) return `${response.status}`;
    const error = (await response.json()) as { code: string; field?: string };
    return `${response.status} ${error.code} ${error.field ?? ''}`.trim();
  }

  it('creating a key needs a step-up; the HMAC secret is shown once, never listed, never stored in clear', async () => {
    const client = clientFor(server);
    await client.login({ ...(await registerAccount(server)), platform: 'web' });
    const body: CreateApiKeyBody = { label: 'bot', type: 'HMAC_SHA256', permissions: ['trade'] };
    expect(await codeOf(client.createApiKey(body))).toBe('403 STEP_UP_REQUIRED');
    await steppedUp(client);
    const created = await client.createApiKey(body);
    expect(created.key).toMatch(/^lsk_[A-Za-z0-9_-]{43}$/);
    expect(created.secret).toMatch(/^lsks_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({
      label: 'bot',
      type: 'HMAC_SHA256',
      keyPrefix: created.key.slice(0, 12),
      permissions: ['read', 'trade'],
      ipWhitelist: [],
      lastUsedAt: null,
    });

    const listed = JSON.stringify(await client.apiKeys());
    const devices = await client.sessions();
    for (const text of [listed, JSON.stringify(devices)]) {
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain(created.key);
    }
    expect(devices.apiKeys).toEqual([created.apiKey]);
    expect(devices.sessions).toHaveLength(1);
    const log = await client.securityLog();
    expect(log.entries.find((e) => e.kind === 'api_key_created')?.detail).toMatchObject({
      id: created.apiKey.id,
      permissions: ['read', 'trade'],
    });

    if (backend === 'sqlite') {
      const db = new BetterSqlite3(join(server.dataDir, 'lockstep.db'), { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{
          name: string;
        }>;
        const dump = JSON.stringify(tables.map((t) => db.prepare(`select * from "${t.name}"`).all()));
        expect(dump).toContain(created.apiKey.id);
        expect(dump).not.toContain(created.key);
        expect(dump).not.toContain(created.secret!.slice(5));
        expect(dump).not.toContain(created.key.slice(12));
      } finally {
        db.close();
      }
    }
  });

  it('a bot places and cancels orders with HMAC-signed requests', async () => {
    const client = await owner();
    const { apiKey, credentials } = await hmacKey(client);
    const trader = bot(credentials);
    const { order: placed } = await trader.placeOrder({ ...order, quantity: '0.01', price: '40000.00' });
    expect(placed.status).toBe('NEW');
    expect((await trader.openOrders('BTCUSDT')).orders.map((o) => o.orderId)).toEqual([placed.orderId]);
    expect((await trader.cancelOrder('BTCUSDT', placed.orderId)).order.status).toBe('CANCELED');
    expect((await trader.balances()).balances.find((b) => b.asset === 'USDT')).toMatchObject({
      free: '10000.00000000',
    });
    // The owner's devices see the bot's work; `me` through the key describes the key.
    expect((await client.orders()).orders[0]?.orderId).toBe(placed.orderId);
    const me = await trader.me();
    expect(me.session).toMatchObject({ id: apiKey.id, platform: 'api', deviceName: 'market maker' });
    expect(me.apiKey?.permissions).toEqual(['read', 'trade']);
    expect((await client.apiKeys()).apiKeys[0]?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
  });

  it('a bot places and cancels orders with Ed25519-signed requests (PEM or raw public key)', async () => {
    const client = await owner();
    const pair = generateKeyPairSync('ed25519');
    const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const created = await client.createApiKey({
      label: 'ed bot',
      type: 'ED25519',
      permissions: ['trade'],
      publicKey: pem,
    });
    expect(created.secret).toBeUndefined();
    const trader = bot({ key: created.key, privateKey });
    const { order: placed } = await trader.placeOrder({ ...order, quantity: '0.02', price: '39000.00' });
    expect((await trader.cancelOrder('BTCUSDT', placed.orderId)).order.status).toBe('CANCELED');

    // The same key pair given as base64 of the raw 32 bytes; a base64url signature works too.
    const raw = pair.publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
    const second = await client.createApiKey({
      label: 'raw',
      type: 'ED25519',
      permissions: [],
      publicKey: raw,
    });
    const query = `timestamp=${clock.now()}`;
    const signature = sign(null, Buffer.from(query), pair.privateKey).toString('base64url');
    expect(await sendSigned({ key: second.key, secret: '', path: '/v1/balances', query, signature })).toBe(
      '200',
    );
    const wrong = sign(null, Buffer.from(`${query}0`), pair.privateKey).toString('base64url');
    expect(
      await sendSigned({ key: second.key, secret: '', path: '/v1/balances', query, signature: wrong }),
    ).toBe('401 SIGNATURE_INVALID');
  });

  it('refuses wrong, tampered, missing, stale, replayed and over-long-window signatures', async () => {
    const client = await owner();
    const { credentials } = await hmacKey(client);
    const { key, secret } = credentials;
    const now = () => clock.now();
    const body = JSON.stringify({ ...order, quantity: '0.01', price: '40000.00' });
    const post = { key, secret, method: 'POST', path: '/v1/orders' };

    expect(await sendSigned({ ...post, query: `timestamp=${now()}`, body })).toBe('200');
    clock.advance(1);
    expect(
      await sendSigned({
        key,
        secret,
        path: '/v1/balances',
        query: `timestamp=${now()}`,
        signature: '0'.repeat(64),
      }),
    ).toBe('401 SIGNATURE_INVALID');
    expect(
      await sendSigned({
        ...post,
        query: `timestamp=${now()}`,
        body: body.replace('0.01', '0.02'),
        signedBody: body,
      }),
    ).toBe('401 SIGNATURE_INVALID');
    expect(
      await sendSigned({
        key,
        secret,
        path: '/v1/open-orders',
        query: `symbol=ETHUSDT&timestamp=${now()}`,
        signedQuery: `symbol=BTCUSDT&timestamp=${now()}`,
      }),
    ).toBe('401 SIGNATURE_INVALID');
    expect(await sendSigned({ key, secret, path: '/v1/balances', query: 'recvWindow=5000' })).toBe(
      '400 VALIDATION_FAILED querystring.timestamp',
    );
    expect(
      await sendSigned({ key, secret, path: '/v1/balances', query: `timestamp=${now()}&recvWindow=60001` }),
    ).toBe('400 VALIDATION_FAILED querystring.recvWindow');
    expect(await sendSigned({ key, secret, path: '/v1/balances', query: `timestamp=${now() + 1001}` })).toBe(
      '400 TIMESTAMP_OUTSIDE_RECV_WINDOW querystring.timestamp',
    );
    expect(
      await sendSigned({
        key: `lsk_${'A'.repeat(43)}`,
        secret,
        path: '/v1/balances',
        query: `timestamp=${now()}`,
      }),
    ).toBe('401 API_KEY_INVALID');

    // An exact replay inside its window is refused; outside it the timestamp is too old anyway.
    const query = `timestamp=${now()}&recvWindow=10000`;
    const signature = createHmac('sha256', secret).update(query).digest('hex');
    const replay = { key, secret, path: '/v1/balances', query, signature };
    expect(await sendSigned(replay)).toBe('200');
    clock.advance(5_000);
    expect(await sendSigned(replay)).toBe('401 SIGNATURE_REPLAYED');
    expect(await sendSigned({ ...replay, signature: signature.toUpperCase() })).toBe(
      '401 SIGNATURE_REPLAYED',
    );
    clock.advance(5_001);
    expect(await sendSigned(replay)).toBe('400 TIMESTAMP_OUTSIDE_RECV_WINDOW querystring.timestamp');

    // A correctly signed body that is not JSON still gets the usual JSON error.
    expect(await sendSigned({ ...post, query: `timestamp=${now()}`, body: '{"symbol":' })).toBe(
      '400 INVALID_JSON body',
    );
    // Signed parameters never reach the route's own query rules; unknown ones still do.
    expect(
      await sendSigned({ key, secret, path: '/v1/open-orders', query: `symbol=BTCUSDT&timestamp=${now()}` }),
    ).toBe('200');
    expect(
      await sendSigned({ key, secret, path: '/v1/open-orders', query: `foo=1&timestamp=${now()}` }),
    ).toBe('400 VALIDATION_FAILED querystring.foo');
    // The SDK signs every request anew: identical requests at one instant are not replays.
    const trader = bot(credentials);
    await trader.balances();
    await trader.balances();
    expect((await trader.openOrders()).orders).toHaveLength(1);
  });

  it('permissions: read-only keys cannot trade, trade keys cannot withdraw, withdraw keys need a whitelist', async () => {
    const client = await owner();
    const reader = bot((await hmacKey(client, { permissions: [] })).credentials);
    expect((await reader.balances()).balances.length).toBeGreaterThan(0);
    expect(await codeOf(reader.placeOrder({ ...order, quantity: '0.01', price: '40000.00' }))).toBe(
      '403 API_KEY_PERMISSION_DENIED',
    );
    const withdrawal = { asset: 'USDT', amount: '10', address: 'ext-usdt-1' };
    const trader = bot((await hmacKey(client, { permissions: ['trade'] })).credentials);
    expect(await codeOf(trader.withdraw(withdrawal))).toBe('403 API_KEY_PERMISSION_DENIED');
    expect(await codeOf(trader.closePosition('BTCUSDT'))).toBe('400 NOTHING_TO_CLOSE symbol');

    expect(await codeOf(hmacKey(client, { permissions: ['withdraw'] }))).toBe(
      '400 WHITELIST_REQUIRED ipWhitelist',
    );
    expect(await codeOf(hmacKey(client, { permissions: ['withdraw'], ipWhitelist: [] }))).toBe(
      '400 WHITELIST_REQUIRED ipWhitelist',
    );
    const { apiKey, credentials } = await hmacKey(client, {
      permissions: ['withdraw'],
      ipWhitelist: ['127.0.0.0/8'],
    });
    expect(apiKey.permissions).toEqual(['read', 'withdraw']);
    // Long after any step-up: the key's permission and whitelist stand in for it.
    clock.advance(60 * 60_000);
    const payer = bot(credentials);
    const { withdrawal: made } = await payer.withdraw(withdrawal);
    expect(made.status).toBe('PENDING');
    expect((await payer.cancelWithdrawal(made.id)).withdrawal.status).toBe('CANCELED');
    expect(await codeOf(payer.placeOrder({ ...order, quantity: '0.01', price: '40000.00' }))).toBe(
      '403 API_KEY_PERMISSION_DENIED',
    );
    // Editing follows the same rules (and needs a step-up too).
    expect(await codeOf(client.updateApiKey(apiKey.id, { ipWhitelist: [] }))).toBe('403 STEP_UP_REQUIRED');
    await steppedUp(client);
    expect(await codeOf(client.updateApiKey(apiKey.id, { ipWhitelist: [] }))).toBe(
      '400 WHITELIST_REQUIRED ipWhitelist',
    );
  });

  it('IP whitelists: CIDR ranges match; other addresses are refused and X-Forwarded-For does not help', async () => {
    const client = await owner();
    const far = bot((await hmacKey(client, { ipWhitelist: ['203.0.113.7', '2001:db8::/32'] })).credentials);
    expect(await codeOf(far.balances())).toBe('403 IP_NOT_WHITELISTED');
    // The server trusts no proxy by default, so a client cannot claim another address.
    expect(
      await codeOf(far.request('GET', '/v1/balances', undefined, { 'x-forwarded-for': '203.0.113.7' })),
    ).toBe('403 IP_NOT_WHITELISTED');
    const near = bot((await hmacKey(client, { ipWhitelist: ['10.0.0.0/8', '127.0.0.0/8'] })).credentials);
    expect((await near.balances()).balances.length).toBeGreaterThan(0);

    for (const [entry, field] of [
      ['127.0.0.1/33', 'ipWhitelist.0'],
      ['127.0.0.1/8', 'ipWhitelist.0'],
      ['0.0.0.0/0', 'ipWhitelist.0'],
      ['fe80::1%eth0', 'ipWhitelist.0'],
      ['localhost', 'ipWhitelist.0'],
    ] as const) {
      expect(await codeOf(hmacKey(client, { ipWhitelist: [entry] })), entry).toBe(
        `400 VALIDATION_FAILED ${field}`,
      );
    }
    expect(
      (await hmacKey(client, { ipWhitelist: ['2001:DB8:0::1', '2001:db8::1'] })).apiKey.ipWhitelist,
    ).toEqual(['2001:db8::1']);
  });

  it('keys are devices: listed with the sessions, edited and deleted live; a deleted key is refused at once', async () => {
    const client = await owner();
    const connection = client.connect();
    await connection.next('hello');
    let event = keyEvent(connection, 'api_key.updated');
    const { apiKey, credentials } = await hmacKey(client);
    expect(await event).toEqual(apiKey);

    event = keyEvent(connection, 'api_key.updated');
    const { apiKey: edited } = await client.updateApiKey(apiKey.id, { label: 'renamed', permissions: [] });
    expect(edited).toMatchObject({ id: apiKey.id, label: 'renamed', permissions: ['read'] });
    expect(await event).toEqual(edited);
    expect((await client.sessions()).apiKeys).toEqual([edited]);

    const trader = bot(credentials);
    expect(await codeOf(trader.balances())).toBe('accepted');
    event = keyEvent(connection, 'api_key.deleted');
    await client.deleteApiKey(apiKey.id);
    expect((await event).id).toBe(apiKey.id);
    expect(await codeOf(trader.balances())).toBe('401 API_KEY_INVALID');
    expect((await client.sessions()).apiKeys).toEqual([]);
    expect(await codeOf(client.deleteApiKey(apiKey.id))).toBe('404 UNKNOWN_API_KEY id');
    expect(await codeOf(client.updateApiKey('key_nope', { label: 'x' }))).toBe('404 UNKNOWN_API_KEY id');
    const kinds = (await client.securityLog()).entries.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['api_key_created', 'api_key_updated', 'api_key_deleted']));
    connection.close();
  });

  it('session-only routes refuse API keys, even beside a session', async () => {
    const client = await owner();
    const { apiKey, credentials } = await hmacKey(client, {
      permissions: ['trade', 'withdraw'],
      ipWhitelist: ['127.0.0.1'],
    });
    const trader = bot(credentials);
    const refused: Array<() => Promise<unknown>> = [
      () => trader.sessions(),
      () => trader.logoutOthers(),
      () => trader.logoutDevice(apiKey.id),
      () => trader.loginHistory(),
      () => trader.apiKeys(),
      () => trader.createApiKey({ label: 'more', type: 'HMAC_SHA256', permissions: ['withdraw'] }),
      () => trader.deleteApiKey(apiKey.id),
      () => trader.security(),
      () => trader.securityLog(),
      () => trader.stepUp({ password: 'whatever-it-is-123' }),
      () => trader.request('POST', '/v1/auth/logout'),
    ];
    for (const attempt of refused) expect(await codeOf(attempt())).toBe('403 API_KEY_NOT_ALLOWED');
    // A session's own request carrying a key header is refused too: one credential per request.
    expect(
      await codeOf(client.request('GET', '/v1/sessions', undefined, { 'x-mbx-apikey': credentials.key })),
    ).toBe('403 API_KEY_NOT_ALLOWED');
    expect((await client.apiKeys()).apiKeys).toHaveLength(1);
  });

  it('refuses bad key definitions with the field at fault', async () => {
    const client = await owner();
    const ed = generateKeyPairSync('ed25519');
    const cases: Array<[Partial<CreateApiKeyBody>, string]> = [
      [{ label: 'x'.repeat(65) }, '400 VALIDATION_FAILED label'],
      [{ label: 'evil\u202Eexe' }, '400 VALIDATION_FAILED label'],
      [{ label: '   ' }, '400 VALIDATION_FAILED label'],
      [{ permissions: ['admin' as 'read'] }, '400 VALIDATION_FAILED permissions.0'],
      [
        { publicKey: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        '400 VALIDATION_FAILED publicKey',
      ],
      [{ type: 'ED25519' }, '400 VALIDATION_FAILED publicKey'],
      [{ type: 'ED25519', publicKey: 'not a key' }, '400 VALIDATION_FAILED publicKey'],
      [
        { type: 'ED25519', publicKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
        '400 VALIDATION_FAILED publicKey',
      ],
    ];
    for (const [body, expected] of cases)
      expect(await codeOf(hmacKey(client, body)), JSON.stringify(body)).toBe(expected);
    expect((await client.apiKeys()).apiKeys).toEqual([]);
  });
});
