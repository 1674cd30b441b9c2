import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from './index.ts';
import { testBackends } from './test-backends.ts';

function session(accountId: number, id: string, createdAt: number, platform = 'web'): SessionRecord {
  return {
    id,
    accountId,
    tokenHash: `hash-${id}`,
    csrfHash: null,
    deviceId: `dev-${id}`,
    deviceName: 'Test device',
    platform,
    ip: '127.0.0.1',
    userAgent: 'test',
    createdAt,
    lastActiveAt: createdAt,
    absoluteExpiresAt: createdAt + 1000,
    revokedAt: null,
    revokeReason: null,
  };
}

for (const backend of testBackends) {
  describe.skipIf(backend.skip)(`repositories on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function account(email = `a-${randomBytes(4).toString('hex')}@x.test`) {
      return store.repos.accounts.create({ email, passwordHash: 'h', createdAt: 1, streamEpoch: 'e1' });
    }

    it('creates accounts with unique emails and reads them back', async () => {
      const a = await account('one@x.test');
      expect(await store.repos.accounts.findByEmail('one@x.test')).toEqual(a);
      expect(await store.repos.accounts.findById(a.id)).toEqual(a);
      await expect(account('one@x.test')).rejects.toThrow();
      expect(await store.repos.accounts.findByEmail('nobody@x.test')).toBeUndefined();
    });

    it('numbers the stream gap-free and rolls the number back with a failed transaction', async () => {
      const a = await account();
      expect(await store.repos.accounts.nextSeq(a.id)).toEqual({ epoch: 'e1', seq: 1 });
      await expect(
        store.transaction(async (repos) => {
          await repos.accounts.nextSeq(a.id);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await store.repos.accounts.streamHead(a.id)).toEqual({ epoch: 'e1', seq: 1 });
      const seqs = await Promise.all(
        Array.from({ length: 10 }, () => store.transaction((repos) => repos.accounts.nextSeq(a.id))),
      );
      expect(seqs.map((s) => s.seq).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    });

    it('stores sessions, revokes each once, and keeps revoked rows for late requests', async () => {
      const a = await account();
      for (const [i, id] of ['s1', 's2', 's3'].entries())
        await store.repos.sessions.insert(session(a.id, id, 100 + i));
      expect((await store.repos.sessions.findByTokenHash('hash-s2'))?.id).toBe('s2');
      const first = await store.repos.sessions.revoke(a.id, ['s1', 's2'], 500, 'logout');
      expect(first.map((s) => s.id).sort()).toEqual(['s1', 's2']);
      expect(await store.repos.sessions.revoke(a.id, ['s1'], 600, 'logout_all')).toEqual([]);
      expect((await store.repos.sessions.listUnrevoked(a.id)).map((s) => s.id)).toEqual(['s3']);
      expect(await store.repos.sessions.findById(a.id, 's1')).toMatchObject({
        revokedAt: 500,
        revokeReason: 'logout',
      });
      await store.repos.sessions.touch('s3', 900);
      expect((await store.repos.sessions.findById(a.id, 's3'))?.lastActiveAt).toBe(900);
    });

    it("never revokes another account's session", async () => {
      const a = await account();
      const b = await account();
      await store.repos.sessions.insert(session(b.id, 'theirs', 1));
      expect(await store.repos.sessions.revoke(a.id, ['theirs'], 2, 'logout')).toEqual([]);
      expect(await store.repos.sessions.findById(a.id, 'theirs')).toBeUndefined();
    });

    it('advances the stream head by a whole batch and appends the batch in one call', async () => {
      const a = await account();
      expect(await store.repos.accounts.advanceSeq(a.id, 3)).toEqual({ epoch: 'e1', seq: 3 });
      const events = [1, 2, 3].map((seq) => ({
        accountId: a.id,
        seq,
        type: 't',
        data: { seq },
        createdAt: seq,
      }));
      await store.repos.events.appendMany(events);
      expect((await store.repos.events.listAfter(a.id, 0, 10)).map((e) => e.data)).toEqual([
        { seq: 1 },
        { seq: 2 },
        { seq: 3 },
      ]);
      expect(await store.repos.accounts.nextSeq(a.id)).toEqual({ epoch: 'e1', seq: 4 });
    });

    it("advances many accounts' heads in one call, each by its own count", async () => {
      const [a, b, c] = [await account(), await account(), await account()];
      await store.repos.accounts.advanceSeq(b.id, 5);
      const heads = await store.transaction((repos) =>
        repos.accounts.advanceSeqs([
          { accountId: c.id, count: 1 },
          { accountId: a.id, count: 2 },
          { accountId: b.id, count: 3 },
        ]),
      );
      expect([...heads.entries()].sort(([x], [y]) => x - y)).toEqual([
        [a.id, { epoch: 'e1', seq: 2 }],
        [b.id, { epoch: 'e1', seq: 8 }],
        [c.id, { epoch: 'e1', seq: 1 }],
      ]);
      expect(await store.repos.accounts.streamHead(c.id)).toEqual({ epoch: 'e1', seq: 1 });
    });

    it('advances hundreds of accounts across statements, summing an account named twice', async () => {
      const many = [];
      for (let i = 0; i < 450; i += 1) many.push(await account());
      const counts = many.map((a, i) => ({ accountId: a.id, count: 1 + (i % 3) }));
      counts.push({ accountId: many[0]!.id, count: 10 });
      const heads = await store.transaction((repos) => repos.accounts.advanceSeqs(counts));
      expect(heads.size).toBe(450);
      expect(heads.get(many[0]!.id)).toEqual({ epoch: 'e1', seq: 11 });
      expect(heads.get(many[449]!.id)).toEqual({ epoch: 'e1', seq: 1 + (449 % 3) });
      for (const [i, a] of many.entries()) {
        expect(await store.repos.accounts.streamHead(a.id)).toEqual({
          epoch: 'e1',
          seq: 1 + (i % 3) + (i === 0 ? 10 : 0),
        });
      }
    });

    it('advances no head when one of the accounts does not exist', async () => {
      const a = await account();
      await expect(
        store.transaction((repos) =>
          repos.accounts.advanceSeqs([
            { accountId: a.id, count: 4 },
            { accountId: 987_654, count: 1 },
          ]),
        ),
      ).rejects.toThrow(/987654/);
      expect(await store.repos.accounts.streamHead(a.id)).toEqual({ epoch: 'e1', seq: 0 });
    });

    it('appends events and lists them after a seq, in order and in pages', async () => {
      const a = await account();
      for (let seq = 1; seq <= 5; seq += 1) {
        await store.repos.events.append({
          accountId: a.id,
          seq,
          type: 't',
          data: { n: seq },
          createdAt: seq,
        });
      }
      const page = await store.repos.events.listAfter(a.id, 1, 3);
      expect(page.map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(page[0]?.data).toEqual({ n: 2 });
      await expect(
        store.repos.events.append({ accountId: a.id, seq: 3, type: 't', data: {}, createdAt: 9 }),
      ).rejects.toThrow();
    });

    it('pages login history newest first', async () => {
      const a = await account();
      for (let i = 0; i < 5; i += 1) {
        await store.repos.loginHistory.insert({
          accountId: a.id,
          success: i % 2 === 0,
          failureReason: i % 2 === 0 ? null : 'invalid_credentials',
          sessionId: null,
          platform: 'web',
          deviceName: `d${i}`,
          ip: '::1',
          userAgent: '',
          createdAt: i,
        });
      }
      const first = await store.repos.loginHistory.page(a.id, undefined, 2);
      expect(first.map((e) => e.deviceName)).toEqual(['d4', 'd3']);
      expect(first[1]?.success).toBe(false);
      const next = await store.repos.loginHistory.page(a.id, first[1]!.id, 10);
      expect(next.map((e) => e.deviceName)).toEqual(['d2', 'd1', 'd0']);
    });

    it('keeps throttle counters by key, upserting and deleting', async () => {
      await store.repos.throttle.put({ key: 'email:x', failures: 1, windowStartedAt: 10, lockedUntil: null });
      await store.repos.throttle.put({ key: 'email:x', failures: 2, windowStartedAt: 10, lockedUntil: 99 });
      expect(await store.repos.throttle.get('email:x')).toEqual({
        key: 'email:x',
        failures: 2,
        windowStartedAt: 10,
        lockedUntil: 99,
      });
      await store.repos.throttle.delete('email:x');
      expect(await store.repos.throttle.get('email:x')).toBeUndefined();
    });
  });
}
