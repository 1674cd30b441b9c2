import { describe, expect, it } from 'vitest';
import { notificationCategories } from '@lockstep/protocol';
import { notificationFixture, preferencesFixture } from './account-fixtures.ts';
import { notificationsToCatchUp, shouldDeliverNotification } from './notification-policy.ts';

const on = { priceAlertNotifications: true };
const off = { priceAlertNotifications: false };

describe('which notifications a device shows', () => {
  it('shows every category by default on a device missing from the list', () => {
    for (const category of notificationCategories)
      expect(shouldDeliverNotification({ category }, preferencesFixture(), 'fp-1', on)).toBe(true);
  });

  it('follows the account categories', () => {
    const preferences = preferencesFixture();
    preferences.notifications.categories.deposits = false;
    expect(shouldDeliverNotification({ category: 'deposits' }, preferences, 'fp-1', on)).toBe(false);
    expect(shouldDeliverNotification({ category: 'orders' }, preferences, 'fp-1', on)).toBe(true);
  });

  it("follows this device's switch and only this device's", () => {
    const preferences = preferencesFixture();
    preferences.notifications.devices = [
      { device: 'fp-1', enabled: false },
      { device: 'fp-2', enabled: true },
    ];
    expect(shouldDeliverNotification({ category: 'security' }, preferences, 'fp-1', on)).toBe(false);
    expect(shouldDeliverNotification({ category: 'security' }, preferences, 'fp-2', on)).toBe(true);
    expect(shouldDeliverNotification({ category: 'security' }, preferences, 'fp-3', on)).toBe(true);
  });

  it('lets each device decide whether price alerts ring there, and nothing else', () => {
    expect(shouldDeliverNotification({ category: 'priceAlerts' }, preferencesFixture(), 'fp-1', off)).toBe(
      false,
    );
    expect(shouldDeliverNotification({ category: 'orders' }, preferencesFixture(), 'fp-1', off)).toBe(true);
    const preferences = preferencesFixture();
    preferences.notifications.categories.priceAlerts = false;
    expect(shouldDeliverNotification({ category: 'priceAlerts' }, preferences, 'fp-1', on)).toBe(false);
  });

  it('after a snapshot, catches up on the unread ones newer than the last decided, oldest first', () => {
    const list = [
      notificationFixture(30),
      notificationFixture(25, { readAt: '2026-01-01T00:00:00.000Z' }),
      notificationFixture(22),
      notificationFixture(20),
      notificationFixture(12),
    ];
    expect(notificationsToCatchUp(list, 20).map((n) => n.id)).toEqual([22, 30]);
    expect(notificationsToCatchUp(list, 30)).toEqual([]);
  });
});
