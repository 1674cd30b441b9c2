import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepError, type AccountEvent } from '@lockstep/protocol';
import { openSqliteStore, type Store } from '@lockstep/store';
import { resolveConfig } from '../config.ts';
import { SecretBox } from '../security/secret-box.ts';
import { commitWithEvents } from './account-stream.ts';
import { revokeAllApiKeys, ApiKeyService, type SignedRequest } from './api-key-service.ts';
import type { Principal } from './auth-service.ts';
import { createMemoryBus } from './event-bus.ts';

describe('ApiKeyService', () => {
  let dir: string;
  let store: Store;
  let service: ApiKeyService;
  let principal: Principal;
  let published: AccountEvent[];
  const now = Date.UTC(2026, 10, 21);
  const commit = <T>(fn: Parameters<typeof commitWithEvents<T>>[3]) => commitWithEvents(store, bus, now, fn);
  const bus = createMemoryBus();
  bus.subscribe((batch) => published.push(...batch.events));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-keys-'));
    store = await openSqliteStore(join(dir, 'test.db'));
    published = [];
    const config = resolveConfig({ dataDir: dir, now: () => now });
    service = new ApiKeyService(store, config, SecretBox.fromKey(Buffer.alloc(32, 7)), commit, {
      requireStepUp: () => Promise.resolve(),
    });
    const account = await store.repos.accounts.create({
      email: 'keys@x.test',
      passwordHash: 'h',
      createdAt: now,
      streamEpoch: 'e',
    });
    principal = { account, session: { id: 'ses_1' } as Principal['session'] };
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function signed(key: string, secret: string, permission: SignedRequest['permission']): SignedRequest {
    const query = `timestamp=${now}`;
    const signature = createHmac('sha256', secret).update(query).digest('hex');
    return {
      apiKey: key,
      rawQuery: `${query}&signature=${signature}`,
      readBody: () => Promise.resolve(Buffer.alloc(0)),
      ip: '127.0.0.1',
      userAgent: 'bot/1',
      permission,
    };
  }

  const client = { ip: '127.0.0.1', userAgent: 'test' };

  it('revokeAllApiKeys deletes every key in the caller’s transaction, logs and announces each', async () => {
    const first = await service.create(
      principal,
      { label: 'a', type: 'HMAC_SHA256', permissions: ['trade'] },
      client,
    );
    await service.create(principal, { label: 'b', type: 'HMAC_SHA256', permissions: [] }, client);
    published = [];

    // "Not me" runs it inside a transaction of its own, beside other changes.
    const deleted = await commit((repos, emit) =>
      revokeAllApiKeys(repos, emit, principal.account.id, now, 'not_me'),
    );
    expect(deleted.map((k) => k.label).sort()).toEqual(['a', 'b']);
    expect(published.map((e) => e.type)).toEqual(['api_key.deleted', 'api_key.deleted']);
    expect(await service.list(principal.account.id)).toEqual([]);
    const log = await store.repos.securityLog.page(principal.account.id, undefined, 10);
    expect(log.filter((e) => e.kind === 'api_key_deleted').map((e) => e.detail.reason)).toEqual([
      'not_me',
      'not_me',
    ]);
    const refused = await service
      .authenticate(signed(first.key, first.secret!, 'read'))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockstepError);
    expect((refused as LockstepError).code).toBe('API_KEY_INVALID');
  });

  it('a rolled-back transaction keeps the keys', async () => {
    const created = await service.create(
      principal,
      { label: 'a', type: 'HMAC_SHA256', permissions: [] },
      client,
    );
    await expect(
      commit(async (repos, emit) => {
        await revokeAllApiKeys(repos, emit, principal.account.id, now, 'not_me');
        throw new Error('the rest of "Not me" failed');
      }),
    ).rejects.toThrow('failed');
    expect((await service.list(principal.account.id)).map((k) => k.id)).toEqual([created.apiKey.id]);
    const ok = await service.authenticate(signed(created.key, created.secret!, 'read'));
    expect(ok.apiKey).toEqual({ id: created.apiKey.id, permissions: ['read'] });
    expect(ok.session).toMatchObject({ id: created.apiKey.id, platform: 'api', deviceName: 'a' });
  });

  it('stores the secret sealed and the key hashed', async () => {
    const created = await service.create(
      principal,
      { label: 'a', type: 'HMAC_SHA256', permissions: [] },
      client,
    );
    const [row] = await store.repos.apiKeys.list(principal.account.id);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(4));
    expect(JSON.stringify(row)).not.toContain(created.secret!.slice(5));
    expect(SecretBox.fromKey(Buffer.alloc(32, 7)).unseal(row!.sealedSecret!)).toBe(created.secret);
  });
});
