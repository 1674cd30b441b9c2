import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySecurity, type Store } from './index.ts';
import { testBackends } from './test-backends.ts';

for (const backend of testBackends) {
  describe.skipIf(backend.skip)(`security repositories on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let accountId: number;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      accountId = (
        await store.repos.accounts.create({
          email: 'sec@x.test',
          passwordHash: 'h',
          createdAt: 1,
          streamEpoch: 'e',
        })
      ).id;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('an account without settings has the defaults; updates merge and persist', async () => {
      expect(await store.repos.security.get(accountId)).toEqual(emptySecurity(accountId));
      await store.repos.security.update(accountId, { antiPhishingCode: 'blue-otter' }, 10);
      await store.repos.security.update(
        accountId,
        { withdrawalHoldUntil: 99, withdrawalHoldReason: 'x' },
        20,
      );
      expect(await store.repos.security.get(accountId)).toMatchObject({
        antiPhishingCode: 'blue-otter',
        withdrawalHoldUntil: 99,
        withdrawalHoldReason: 'x',
        updatedAt: 20,
      });
    });

    it('a TOTP step is accepted once, also when submissions race; earlier steps never', async () => {
      await store.repos.security.update(accountId, { totpSecret: 'sealed' }, 1);
      const racing = await Promise.all(
        Array.from({ length: 8 }, () => store.repos.security.consumeTotpStep(accountId, 1000)),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.repos.security.consumeTotpStep(accountId, 999)).toBe(false);
      expect(await store.repos.security.consumeTotpStep(accountId, 1001)).toBe(true);
    });

    it('recovery codes work once each, also when submissions race', async () => {
      await store.repos.security.replaceRecoveryCodes(accountId, ['h1', 'h2', 'h3'], 1);
      expect(await store.repos.security.unusedRecoveryCodes(accountId)).toBe(3);
      const racing = await Promise.all(
        Array.from({ length: 8 }, () => store.repos.security.useRecoveryCode(accountId, 'h2', 5)),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.repos.security.useRecoveryCode(accountId, 'nope', 5)).toBe(false);
      expect(await store.repos.security.unusedRecoveryCodes(accountId)).toBe(2);
      await store.repos.security.replaceRecoveryCodes(accountId, ['h4'], 6);
      expect(await store.repos.security.useRecoveryCode(accountId, 'h1', 7)).toBe(false);
      expect(await store.repos.security.unusedRecoveryCodes(accountId)).toBe(1);
    });

    it('remembers devices: only the first login from a device is new', async () => {
      expect(await store.repos.security.rememberDevice(accountId, 'dev-a', 1)).toBe(true);
      expect(await store.repos.security.rememberDevice(accountId, 'dev-a', 2)).toBe(false);
      expect(await store.repos.security.rememberDevice(accountId, 'dev-b', 3)).toBe(true);
    });

    it('keeps the security log newest first, paged by id', async () => {
      for (let i = 0; i < 5; i += 1) {
        await store.repos.securityLog.insert({
          accountId,
          kind: 'login',
          detail: { n: i },
          sessionId: null,
          ip: '127.0.0.1',
          userAgent: null,
          createdAt: i,
        });
      }
      const first = await store.repos.securityLog.page(accountId, undefined, 3);
      expect(first.map((e) => e.detail.n)).toEqual([4, 3, 2]);
      const next = await store.repos.securityLog.page(accountId, first[2]!.id, 3);
      expect(next.map((e) => e.detail.n)).toEqual([1, 0]);
    });
  });
}
