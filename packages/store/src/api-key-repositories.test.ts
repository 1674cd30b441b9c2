import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, Store } from './index.ts';
import { testBackends } from './test-backends.ts';

function key(accountId: number, n: number, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key_${n}`,
    accountId,
    label: `bot ${n}`,
    keyHash: `hash-${accountId}-${n}`,
    keyPrefix: `lsk_${n}`,
    type: 'HMAC_SHA256',
    sealedSecret: `v1.sealed.${n}`,
    publicKey: null,
    permissions: ['read', 'trade'],
    ipWhitelist: [],
    createdAt: 100 + n,
    updatedAt: 100 + n,
    lastUsedAt: null,
    ...overrides,
  };
}

for (const backend of testBackends) {
  describe.skipIf(backend.skip)(`API key repository on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let accountId: number;
    let otherId: number;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      const create = (email: string) =>
        store.repos.accounts.create({ email, passwordHash: 'h', createdAt: 1, streamEpoch: 'e' });
      accountId = (await create('keys@x.test')).id;
      otherId = (await create('other@x.test')).id;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('stores a key and finds it by the hash of the key, with its lists intact', async () => {
      const ed = key(accountId, 1, {
        type: 'ED25519',
        sealedSecret: null,
        publicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
        permissions: ['read', 'trade', 'withdraw'],
        ipWhitelist: ['10.0.0.0/8', '2001:db8::1'],
      });
      await store.repos.apiKeys.insert(ed);
      expect(await store.repos.apiKeys.findByKeyHash(ed.keyHash)).toEqual(ed);
      expect(await store.repos.apiKeys.findByKeyHash('nope')).toBeUndefined();
      expect(await store.repos.apiKeys.get(accountId, ed.id)).toEqual(ed);
      // Another account cannot reach the key by its id.
      expect(await store.repos.apiKeys.get(otherId, ed.id)).toBeUndefined();
    });

    it('refuses a second key with the same hash, whichever account it is for', async () => {
      await store.repos.apiKeys.insert(key(accountId, 1));
      await expect(
        store.repos.apiKeys.insert(key(otherId, 2, { keyHash: `hash-${accountId}-1` })),
      ).rejects.toThrow();
      expect(await store.repos.apiKeys.count(otherId)).toBe(0);
    });

    it('lists and counts an account’s keys oldest first', async () => {
      await store.repos.apiKeys.insert(key(accountId, 2));
      await store.repos.apiKeys.insert(key(accountId, 1));
      await store.repos.apiKeys.insert(key(otherId, 3));
      expect((await store.repos.apiKeys.list(accountId)).map((k) => k.id)).toEqual(['key_1', 'key_2']);
      expect(await store.repos.apiKeys.count(accountId)).toBe(2);
      expect(await store.repos.apiKeys.count(otherId)).toBe(1);
    });

    it('updates only the given fields, only on the owner’s key', async () => {
      await store.repos.apiKeys.insert(key(accountId, 1));
      expect(await store.repos.apiKeys.update(otherId, 'key_1', { label: 'stolen' }, 500)).toBeUndefined();
      const updated = await store.repos.apiKeys.update(
        accountId,
        'key_1',
        { permissions: ['read'], ipWhitelist: ['192.0.2.1'] },
        500,
      );
      expect(updated).toEqual({
        ...key(accountId, 1),
        permissions: ['read'],
        ipWhitelist: ['192.0.2.1'],
        updatedAt: 500,
      });
      await store.repos.apiKeys.touch('key_1', 600);
      expect((await store.repos.apiKeys.get(accountId, 'key_1'))?.lastUsedAt).toBe(600);
    });

    it('deletes one key or all of an account’s keys, returning what was deleted', async () => {
      for (const n of [1, 2, 3]) await store.repos.apiKeys.insert(key(accountId, n));
      await store.repos.apiKeys.insert(key(otherId, 4));
      expect(await store.repos.apiKeys.delete(otherId, 'key_1')).toBeUndefined();
      expect((await store.repos.apiKeys.delete(accountId, 'key_1'))?.id).toBe('key_1');
      expect(await store.repos.apiKeys.delete(accountId, 'key_1')).toBeUndefined();
      expect(await store.repos.apiKeys.findByKeyHash(`hash-${accountId}-1`)).toBeUndefined();
      const deleted = await store.repos.apiKeys.deleteAll(accountId);
      expect(deleted.map((k) => k.id)).toEqual(['key_2', 'key_3']);
      expect(await store.repos.apiKeys.list(accountId)).toEqual([]);
      expect(await store.repos.apiKeys.deleteAll(accountId)).toEqual([]);
      expect(await store.repos.apiKeys.count(otherId)).toBe(1);
    });
  });
}
