import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationRecord, Store } from './index.ts';
import { testBackends } from './test-backends.ts';

function notification(accountId: number, id: number): NotificationRecord {
  return {
    accountId,
    id,
    kind: 'order_filled',
    title: 't',
    body: 'b',
    ref: { orderId: id },
    createdAt: id,
    readAt: null,
  };
}

for (const backend of testBackends) {
  describe.skipIf(backend.skip)(`sync repositories on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let a: number;
    let b: number;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      const create = (email: string) =>
        store.repos.accounts.create({ email, passwordHash: 'h', createdAt: 1, streamEpoch: 'e' });
      a = (await create('a@x.test')).id;
      b = (await create('b@x.test')).id;
    });
    afterEach(async () => {
      await cleanup();
    });

    it('marks notifications read once, by ids or up to an id, per account', async () => {
      const { notifications } = store.repos;
      await notifications.insertMany([1, 2, 3, 4].map((id) => notification(a, id)));
      await notifications.insertMany([1, 2].map((id) => notification(b, id)));
      expect(await notifications.markRead(a, [2, 3, 99], 10)).toEqual([2, 3]);
      expect(await notifications.markRead(a, [2], 11)).toEqual([]);
      expect(await notifications.unreadCount(a)).toBe(2);
      expect(await notifications.markReadUpTo(a, 4, 12)).toBe(2);
      expect(await notifications.unreadCount(a)).toBe(0);
      expect(await notifications.unreadCount(b)).toBe(2);
      const page = await notifications.page(a, 4, 2, false);
      expect(page.map((n) => [n.id, n.readAt])).toEqual([
        [3, 10],
        [2, 10],
      ]);
      expect(await notifications.page(b, undefined, 10, true)).toHaveLength(2);
    });

    it('prunes read notifications older than the newest ones of one account, never unread ones', async () => {
      const { notifications } = store.repos;
      await notifications.insertMany([1, 2, 3, 4, 5, 6].map((id) => notification(a, id)));
      await notifications.insertMany([7, 8].map((id) => notification(b, id)));
      await notifications.markRead(a, [1, 3, 4, 6], 9);
      await notifications.markRead(b, [7, 8], 9);
      // The newest 3 of a are 6, 5, 4: of the older ones 1 and 3 are read and go, 2 is unread and stays.
      expect(await notifications.prune(a, 3)).toBe(2);
      expect((await notifications.page(a, undefined, 10, false)).map((n) => n.id)).toEqual([6, 5, 4, 2]);
      expect(await notifications.unreadCount(a)).toBe(2);
      expect((await notifications.page(b, undefined, 10, false)).map((n) => n.id)).toEqual([8, 7]);
      expect(await notifications.prune(a, 10)).toBe(0);
    });

    it('triggers a price alert once and keeps preferences per account and device', async () => {
      const alert = {
        id: 'pa_1',
        accountId: a,
        symbol: 'BTCUSDT',
        condition: 'ABOVE',
        price: 5_000_000,
        note: '',
        status: 'ACTIVE',
        createdAt: 1,
        triggeredAt: null,
        triggerPrice: null,
      };
      await store.repos.priceAlerts.insert(alert);
      expect(await store.repos.priceAlerts.listActive()).toEqual([alert]);
      await store.repos.priceAlerts.insert({ ...alert, id: 'pa_2', createdAt: 2 });
      expect(await store.repos.priceAlerts.trigger(['pa_2', 'pa_1'], 5, 5_000_100)).toMatchObject([
        { id: 'pa_1', status: 'TRIGGERED', triggeredAt: 5, triggerPrice: 5_000_100 },
        { id: 'pa_2', status: 'TRIGGERED' },
      ]);
      expect(await store.repos.priceAlerts.trigger(['pa_1'], 6, 5_000_200)).toEqual([]);
      expect(await store.repos.priceAlerts.trigger([], 6, 5_000_200)).toEqual([]);
      expect(await store.repos.priceAlerts.listActive()).toEqual([]);

      await store.repos.preferences.put({
        accountId: a,
        cloudSync: false,
        notificationCategories: { orders: false },
        updatedAt: 1,
      });
      await store.repos.preferences.putDevice({
        accountId: a,
        deviceId: 'dev_1',
        notificationsEnabled: false,
        updatedAt: 2,
      });
      await store.repos.preferences.putDevice({
        accountId: a,
        deviceId: 'dev_1',
        notificationsEnabled: true,
        updatedAt: 3,
      });
      expect(await store.repos.preferences.get(a)).toMatchObject({
        cloudSync: false,
        notificationCategories: { orders: false },
      });
      expect(await store.repos.preferences.devices(a)).toEqual([
        { accountId: a, deviceId: 'dev_1', notificationsEnabled: true, updatedAt: 3 },
      ]);
      expect(await store.repos.preferences.get(b)).toBeUndefined();
      await store.repos.watchlists.put({
        accountId: a,
        name: 'x',
        symbols: ['A1'],
        createdAt: 1,
        updatedAt: 1,
      });
      await store.repos.watchlists.put({
        accountId: a,
        name: 'x',
        symbols: ['B2'],
        createdAt: 9,
        updatedAt: 9,
      });
      expect(await store.repos.watchlists.list(a)).toEqual([
        { accountId: a, name: 'x', symbols: ['B2'], createdAt: 1, updatedAt: 9 },
      ]);
      expect(await store.repos.watchlists.delete(a, 'x')).toBe(true);
      expect(await store.repos.watchlists.delete(a, 'x')).toBe(false);
    });
  });
}
