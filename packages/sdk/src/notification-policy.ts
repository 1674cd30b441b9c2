import type { NotificationView, PreferencesView } from '@lockstep/protocol';

/**
 * Whether this device shows a notification (B4): the account's category must be on, this device's
 * own switch must be on (a device missing from the list has it on), and a price alert notifies
 * only where the device's local `priceAlertNotifications` is not off: alerts are shared, each
 * device decides whether it rings. Pass the preferences in effect at the notification's `seq`.
 */
export function shouldDeliverNotification(
  notification: Pick<NotificationView, 'category'>,
  preferences: PreferencesView,
  deviceFingerprint: string,
  local: { priceAlertNotifications: boolean },
): boolean {
  if (!preferences.notifications.categories[notification.category]) return false;
  const device = preferences.notifications.devices.find((d) => d.device === deviceFingerprint);
  if (device && !device.enabled) return false;
  if (notification.category === 'priceAlerts' && !local.priceAlertNotifications) return false;
  return true;
}

/**
 * The notifications a device should still decide on after it loaded a snapshot: the unread ones
 * newer than the last it decided on, oldest first. Read ones were seen on another device.
 */
export function notificationsToCatchUp(
  notifications: readonly NotificationView[],
  decidedUpTo: number,
): NotificationView[] {
  return notifications.filter((n) => n.id > decidedUpTo && n.readAt === null).sort((a, b) => a.id - b.id);
}
