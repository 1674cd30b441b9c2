export { LockstepClient, type ClientOptions } from './client.ts';
export {
  AccountConnection,
  type ConnectOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './connection.ts';
export { LockstepApiError } from './api-error.ts';
export { RequestSigner, type ApiKeyCredentials } from './signing.ts';
export {
  LiveAccount,
  type LiveAccountOptions,
  type LiveChange,
  type LiveStats,
  type LiveStatus,
  type LiveTimers,
  type Revocation,
} from './live-account.ts';
export {
  applyEvent,
  eventCategory,
  historyMax,
  isOpenOrder,
  notificationsMax,
  stateFromSnapshot,
  type AccountState,
  type EventCategory,
} from './account-state.ts';
export {
  compareHistoryWindow,
  compareNotificationWindow,
  normalizeForCompare,
  type ComparableAccount,
} from './account-compare.ts';
export { Backoff, backoffDelayMs, cryptoRandom, type BackoffOptions } from './backoff.ts';
export { notificationsToCatchUp, shouldDeliverNotification } from './notification-policy.ts';
export { memoryStorage, type KeyValueStorage } from './key-value-storage.ts';
export {
  LocalPreferences,
  defaultLocalPreferences,
  localPreferencesKey,
  type LocalPreferenceKey,
  type LocalPreferenceValues,
} from './local-preferences.ts';
export { DeviceAccountData, watchlistProblem } from './device-data.ts';
export type * from '@lockstep/protocol';
