import type {
  AccountEvent,
  AccountSnapshot,
  NotificationView,
  RevokeReason,
  ServerMessage,
  WatchlistView,
} from '@lockstep/protocol';
import { LockstepApiError } from './api-error.ts';
import {
  applyEvent,
  eventCategory,
  stateFromSnapshot,
  type AccountState,
  type EventCategory,
} from './account-state.ts';
import { Backoff } from './backoff.ts';
import type { LockstepClient } from './client.ts';
import type { AccountConnection } from './connection.ts';
import { DeviceAccountData } from './device-data.ts';
import { memoryStorage, type KeyValueStorage } from './key-value-storage.ts';
import { LocalPreferences } from './local-preferences.ts';
import { notificationsToCatchUp, shouldDeliverNotification } from './notification-policy.ts';

/**
 * Where a live account is: `connecting` (loading the snapshot, opening the stream), `syncing`
 * (receiving what it missed), `live`, `reconnecting` (the connection was lost or had a gap),
 * `revoked` (this device was signed out: the account is gone from memory) or `closed`.
 */
export type LiveStatus = 'idle' | 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'revoked' | 'closed';

/** Why a device was signed out, with the sentence to show. */
export interface Revocation {
  reason: RevokeReason | 'expired' | 'unauthenticated';
  message: string;
}

/** Counters of what the live account did; tests and diagnostics read them. */
export interface LiveStats {
  /** Events applied to the state, each `seq` once. */
  applied: number;
  /** Events received at or below the last applied `seq`, dropped. */
  duplicatesDropped: number;
  /** Missing `seq`s noticed (an event skipped ahead, or a heartbeat's head ahead of the state). */
  gaps: number;
  /** Snapshots loaded: the first one, and one per `reset`. */
  snapshots: number;
  /** Connections opened after the first. */
  reconnects: number;
  /** Connections given up because nothing arrived for three heartbeats. */
  silences: number;
  /** Notifications this device showed. */
  notificationsDelivered: number;
}

/** A change of the state: an event's category, `snapshot` when a snapshot replaced it, `cleared` on revocation. */
export interface LiveChange {
  category: EventCategory | 'snapshot' | 'cleared';
  /** The event applied, when the change is one. */
  event?: AccountEvent;
}

interface LiveAccountEvents {
  change: LiveChange;
  /** A notification this device should show now (its preferences allow it); each once per device. */
  notification: NotificationView;
  status: LiveStatus;
  revoked: Revocation;
}

/** The timer functions a live account uses; tests pass their own clock. */
export interface LiveTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveAccountOptions {
  /** The device's own storage (`localStorage` in browsers, `fileStorage()` on Node); memory by default. */
  storage?: KeyValueStorage;
  /** Told each `seq` as it is applied (tests check every `seq` is applied exactly once). */
  onApply?: (seq: number) => void;
  /** A number in [0, 1) for the reconnection jitter; `cryptoRandom` by default. */
  random?: () => number;
  timers?: LiveTimers;
  /** Reconnection backoff: the first wait's ceiling (200 ms) and the longest wait (5 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Added to three heartbeats before a silent connection counts as dead (1 s). */
  silenceMarginMs?: number;
  /** How long a new connection may take to say hello (10 s). */
  helloTimeoutMs?: number;
  /** How long `setWatchlist` waits for the stream to show a cloud-sync switch-off it ran into (5 s). */
  switchWaitMs?: number;
}

const silenceMarginMsDefault = 1_000;
/** Listeners per kind of change; more means listeners are added and never removed. */
const listenersPerEventMax = 1_000;
const helloTimeoutMsDefault = 10_000;
const switchWaitMsDefault = 5_000;
const revokedCloseCode = 4001;
const unauthenticatedCloseCode = 4401;

/** How one connection ended, and so what the live account does next. */
type ConnectionEnd =
  | { kind: 'gap' | 'reset' | 'dropped' | 'silent' | 'unauthenticated' | 'stopped' }
  | { kind: 'revoked'; revocation: Revocation }
  | { kind: 'failed'; error: unknown };

/** One connection being followed. */
interface Link {
  connection: AccountConnection;
  live: boolean;
  heartbeatMs: number | undefined;
  finish(end: ConnectionEnd): void;
}

const defaultTimers: LiveTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * The SDK's live copy of the account (E3): loads a snapshot, follows the account's event stream
 * from the snapshot's `seq`, and applies every event exactly once and in order, across
 * reconnections, gaps, server restarts and resets. It decides which notifications this device
 * shows, keeps the device's own preferences and (while cloud sync is off) its watchlists, and
 * forgets the account the moment this device is signed out.
 *
 * @example
 * const live = client.live({ storage: localStorage });
 * live.on('change', ({ category }) => redraw(category));
 * live.on('notification', (n) => showToast(n.title, n.body));
 * live.on('revoked', ({ message }) => showLogin(message));
 * await live.start();
 * console.log(live.state?.balances);
 */
export class LiveAccount {
  /** This device's own preferences (layout, language, theme, …); never sent to the server. */
  readonly local: LocalPreferences;
  private current: AccountState | undefined;
  private statusValue: LiveStatus = 'idle';
  private revocationValue: Revocation | undefined;
  private errorValue: unknown;
  private readonly counters: LiveStats = {
    applied: 0,
    duplicatesDropped: 0,
    gaps: 0,
    snapshots: 0,
    reconnects: 0,
    silences: 0,
    notificationsDelivered: 0,
  };
  private readonly storage: KeyValueStorage;
  private readonly timers: LiveTimers;
  private readonly backoff: Backoff;
  private readonly listeners = new Map<keyof LiveAccountEvents, Set<(value: never) => void>>();
  private device: DeviceAccountData | undefined;
  private link: Link | undefined;
  private cancelPause: (() => void) | undefined;
  private stopped = false;
  private started: Promise<void> | undefined;
  private settleStart: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(
    private readonly client: LockstepClient,
    private readonly options: LiveAccountOptions = {},
  ) {
    this.storage = options.storage ?? memoryStorage();
    this.local = new LocalPreferences(this.storage);
    this.timers = options.timers ?? defaultTimers;
    this.backoff = new Backoff({
      initialMs: options.backoffInitialMs,
      maxMs: options.backoffMaxMs,
      random: options.random,
    });
  }

  /** The account as this device holds it; undefined before the first snapshot and after revocation. */
  get state(): AccountState | undefined {
    return this.current;
  }

  get status(): LiveStatus {
    return this.statusValue;
  }

  /** The last `seq` applied (0 before the first snapshot). */
  get lastSeq(): number {
    return this.current?.seq ?? 0;
  }

  /** Why this device was signed out, once it was. */
  get revocation(): Revocation | undefined {
    return this.revocationValue;
  }

  /** The error that closed the live account, if one did. */
  get error(): unknown {
    return this.errorValue;
  }

  get stats(): LiveStats {
    return { ...this.counters };
  }

  /** The connection followed now, if any (there is never more than one). */
  get connection(): AccountConnection | undefined {
    return this.link?.connection;
  }

  /**
   * The watchlists this device shows: the account's (synced) ones while cloud sync is on, the
   * device's own while it is off.
   */
  get watchlists(): WatchlistView[] {
    const state = this.current;
    if (!state) return [];
    if (state.preferences.cloudSync) return state.watchlists;
    return this.device?.watchlists() ?? [];
  }

  /**
   * Loads the snapshot and follows the stream; resolves once live (everything missed applied).
   * Rejects if the device is signed out or the live account is closed first. Calling it again
   * returns the same promise.
   */
  start(): Promise<void> {
    if (this.started) return this.started;
    if (this.stopped) return Promise.reject(new Error('this live account was closed; make a new one'));
    this.started = new Promise<void>((resolve, reject) => (this.settleStart = { resolve, reject }));
    // Marked as handled here; whoever awaits start() still sees the rejection.
    this.started.catch(() => undefined);
    this.setStatus('connecting');
    this.run().catch((error: unknown) => this.fail(error));
    return this.started;
  }

  /** Stops following the stream, for good. The state stays readable. */
  close(): void {
    if (this.stopped) return;
    this.stop();
    this.setStatus('closed');
    this.rejectStart(new Error('the live account was closed'));
  }

  /**
   * This device was signed out: forgets every account datum held in memory, stops for good and
   * tells the app why. The stream calls it; so does the client on `logout()`.
   */
  revoke(revocation: Revocation): void {
    if (this.statusValue === 'revoked') return;
    this.stop();
    this.current = undefined;
    this.revocationValue = revocation;
    this.emit('change', { category: 'cleared' });
    this.setStatus('revoked');
    this.emit('revoked', revocation);
    this.rejectStart(new Error(revocation.message));
  }

  /** Listens to `change`, `notification`, `status` or `revoked`; returns the unsubscribe function. */
  on<K extends keyof LiveAccountEvents>(
    type: K,
    listener: (value: LiveAccountEvents[K]) => void,
  ): () => void {
    const set = this.listeners.get(type) ?? new Set();
    if (set.size >= listenersPerEventMax)
      throw new RangeError(
        `more than ${listenersPerEventMax} ${type} listeners: unsubscribe the ones no longer needed`,
      );
    set.add(listener);
    this.listeners.set(type, set);
    return () => void set.delete(listener);
  }

  /**
   * Creates or replaces a watchlist: on the server while cloud sync is on (every device sees it),
   * on this device while it is off.
   */
  async setWatchlist(name: string, symbols: readonly string[]): Promise<WatchlistView> {
    if (await this.cloudSyncFor('setWatchlist')) {
      try {
        return (await this.client.putWatchlist(name, [...symbols])).watchlist;
      } catch (error) {
        await this.awaitSwitchOff(error);
      }
    }
    const watchlist = this.requireDevice().putWatchlist(name, symbols, new Date());
    this.emit('change', { category: 'watchlists' });
    return watchlist;
  }

  /** Deletes a watchlist: on the server while cloud sync is on, on this device while it is off. */
  async deleteWatchlist(name: string): Promise<void> {
    if (await this.cloudSyncFor('deleteWatchlist')) {
      try {
        await this.client.deleteWatchlist(name);
        return;
      } catch (error) {
        await this.awaitSwitchOff(error);
      }
    }
    if (!this.requireDevice().deleteWatchlist(name))
      throw new LockstepApiError(404, { code: 'UNKNOWN_WATCHLIST', message: `no watchlist named ${name}` });
    this.emit('change', { category: 'watchlists' });
  }

  // ------------------------------------------------------------------------------- the run loop

  /**
   * One connection at a time: load a snapshot when needed, follow the stream until the
   * connection ends, then decide — reconnect after a backoff, reload the snapshot, or stop.
   */
  private async run(): Promise<void> {
    let needSnapshot = true;
    while (!this.stopped) {
      if (needSnapshot) {
        const loaded = await this.loadSnapshot();
        if (loaded === 'stop') return;
        if (loaded === 'retry') {
          await this.pause(this.backoff.next());
          continue;
        }
        needSnapshot = false;
      }
      // A listener of the snapshot (or of a notification it caught up) may have closed this.
      if (this.stopped) return;
      const end = await this.follow();
      switch (end.kind) {
        case 'stopped':
          return;
        case 'revoked':
          this.revoke(end.revocation);
          return;
        case 'failed':
          this.fail(end.error);
          return;
        case 'unauthenticated':
          if (!(await this.sessionStillLive())) return;
          break;
        case 'reset':
          needSnapshot = true;
          break;
        case 'gap':
        case 'dropped':
        case 'silent':
          break;
      }
      if (this.stopped) return;
      this.setStatus('reconnecting');
      this.counters.reconnects += 1;
      await this.pause(this.backoff.next());
    }
  }

  /** Loads a snapshot and makes it the state; a 401 means this device was signed out. */
  private async loadSnapshot(): Promise<'ok' | 'retry' | 'stop'> {
    let snapshot: AccountSnapshot;
    try {
      snapshot = await this.client.snapshot();
    } catch (error) {
      if (this.stopped) return 'stop';
      const revocation = revocationOf(error);
      if (revocation) {
        this.revoke(revocation);
        return 'stop';
      }
      if (!isTransient(error)) {
        this.fail(error);
        return 'stop';
      }
      return 'retry';
    }
    if (this.stopped) return 'stop';
    this.adopt(snapshot);
    return 'ok';
  }

  private adopt(snapshot: AccountSnapshot): void {
    const previous = this.current;
    const next = stateFromSnapshot(snapshot);
    if (!this.device || previous?.account.id !== next.account.id)
      this.device = new DeviceAccountData(this.storage, next.account.id);
    this.current = next;
    this.counters.snapshots += 1;
    this.keepWatchlistsOnDevice(previous, next);
    this.catchUpNotifications(next);
    this.emit('change', { category: 'snapshot' });
  }

  /** After the socket refused the credential: a 401 on a request says why; anything else retries. */
  private async sessionStillLive(): Promise<boolean> {
    try {
      await this.client.me();
      return true;
    } catch (error) {
      const revocation = revocationOf(error);
      if (!revocation) return true;
      this.revoke(revocation);
      return false;
    }
  }

  /** Opens one connection from the state's `seq` and resolves when it ends, with how. */
  private follow(): Promise<ConnectionEnd> {
    const state = this.current!;
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve({ kind: 'stopped' });
        return;
      }
      let connection: AccountConnection;
      try {
        connection = this.client.connect({ since: state.seq, epoch: state.epoch });
      } catch (error) {
        resolve({ kind: 'failed', error });
        return;
      }
      let silence: unknown;
      const offs: Array<() => void> = [];
      const link: Link = {
        connection,
        live: false,
        heartbeatMs: undefined,
        finish: (end) => {
          if (this.link !== link) return;
          this.link = undefined;
          this.timers.clearTimeout(silence);
          for (const off of offs) off();
          // Dropped at once: the next connection never overlaps this one.
          connection.terminate();
          resolve(end);
        },
      };
      this.link = link;
      const arm = (ms: number) => {
        this.timers.clearTimeout(silence);
        silence = this.timers.setTimeout(() => {
          this.counters.silences += 1;
          link.finish({ kind: 'silent' });
        }, ms);
      };
      arm(this.options.helloTimeoutMs ?? helloTimeoutMsDefault);
      offs.push(
        connection.on('message', (message) => {
          if (this.link !== link) return;
          const end = this.onMessage(link, message);
          if (end) this.end(link, end);
          // A listener may have closed the live account while the message was handled.
          else if (this.link === link && link.heartbeatMs !== undefined)
            arm(3 * link.heartbeatMs + (this.options.silenceMarginMs ?? silenceMarginMsDefault));
        }),
        connection.on('close', ({ code, reason }) => this.end(link, closeEnd(code, reason))),
      );
    });
  }

  /** Ends a connection; a revocation takes effect at once, so no account datum outlives it. */
  private end(link: Link, end: ConnectionEnd): void {
    if (end.kind === 'revoked' && this.link === link) this.revoke(end.revocation);
    else link.finish(end);
  }

  private onMessage(link: Link, message: ServerMessage): ConnectionEnd | undefined {
    const state = this.current!;
    switch (message.type) {
      case 'hello':
        link.heartbeatMs = message.heartbeatMs;
        this.setStatus('syncing');
        return undefined;
      case 'event':
        return this.onEvent(message.epoch, message.event);
      case 'replayed':
        if (message.epoch !== state.epoch) return { kind: 'reset' };
        if (message.seq > state.seq) return this.gap();
        link.live = true;
        this.backoff.reset();
        this.setStatus('live');
        this.settleStart?.resolve();
        this.settleStart = undefined;
        return undefined;
      case 'reset':
        return { kind: 'reset' };
      case 'heartbeat':
        // Before `replayed` the head may be ahead simply because the replay is still coming.
        if (!link.live) return undefined;
        if (message.epoch !== state.epoch) return { kind: 'reset' };
        return message.seq > state.seq ? this.gap() : undefined;
      case 'revoked':
        return { kind: 'revoked', revocation: { reason: message.reason, message: message.message } };
      case 'error':
      case 'depth':
      case 'trade':
      case 'market.subscribed':
        // Errors come before the close that explains them; market data is not this object's.
        return undefined;
    }
  }

  private onEvent(epoch: string, event: AccountEvent): ConnectionEnd | undefined {
    const state = this.current!;
    if (epoch !== state.epoch) return { kind: 'reset' };
    if (event.seq <= state.seq) {
      this.counters.duplicatesDropped += 1;
      return undefined;
    }
    if (event.seq > state.seq + 1) return this.gap();
    this.apply(event);
    return undefined;
  }

  private gap(): ConnectionEnd {
    this.counters.gaps += 1;
    return { kind: 'gap' };
  }

  /** Applies the next event, then what it means for this device: its watchlists, a notification. */
  private apply(event: AccountEvent): void {
    const previous = this.current!;
    const next = applyEvent(previous, event);
    this.current = next;
    this.counters.applied += 1;
    this.options.onApply?.(event.seq);
    const switched = previous.preferences.cloudSync !== next.preferences.cloudSync;
    if (switched) this.keepWatchlistsOnDevice(previous, next);
    if (event.type === 'notification.created')
      this.decide({ ...event.data.notification, id: event.seq }, next);
    this.emit('change', { category: eventCategory(event), event });
    if (switched) this.emit('change', { category: 'watchlists' });
  }

  // ------------------------------------------------------------------- device-side consequences

  /**
   * While cloud sync is off the device shows its own watchlists. When the switch goes off, the
   * synced lists are copied onto the device first, so nothing disappears from its screen; a device
   * that never kept lists of its own starts from the account's.
   */
  private keepWatchlistsOnDevice(previous: AccountState | undefined, next: AccountState): void {
    if (next.preferences.cloudSync) return;
    const device = this.requireDevice();
    if (previous?.preferences.cloudSync === true || device.watchlists() === undefined)
      device.replaceWatchlists(next.watchlists);
  }

  /**
   * After a snapshot: the unread notifications newer than the last one this device decided on.
   * On a device's first run there is no such mark: what happened before it existed is not news.
   */
  private catchUpNotifications(state: AccountState): void {
    const device = this.requireDevice();
    const decidedUpTo = device.notifiedUpTo(state.epoch);
    if (decidedUpTo !== undefined)
      for (const notification of notificationsToCatchUp(state.notifications, decidedUpTo))
        this.decide(notification, state);
    device.setNotifiedUpTo(state.epoch, state.seq);
  }

  /** Shows a notification at most once per device, if the preferences at its `seq` allow it. */
  private decide(notification: NotificationView, state: AccountState): void {
    const device = this.requireDevice();
    if (notification.id <= (device.notifiedUpTo(state.epoch) ?? -1)) return;
    // Marked before it is shown: a crash while showing loses one toast rather than repeating it.
    device.setNotifiedUpTo(state.epoch, notification.id);
    const local = { priceAlertNotifications: this.local.get('priceAlertNotifications') };
    if (!shouldDeliverNotification(notification, state.preferences, state.device.fingerprint, local)) return;
    this.counters.notificationsDelivered += 1;
    this.emit('notification', notification);
  }

  // ----------------------------------------------------------------------------------- helpers

  /** Whether cloud sync is on; throws before the first snapshot. */
  private async cloudSyncFor(action: string): Promise<boolean> {
    if (!this.current) {
      if (!this.started) throw new Error(`${action}: start() the live account first`);
      await this.started;
    }
    return this.current!.preferences.cloudSync;
  }

  /**
   * The server refused a watchlist change because another device just turned cloud sync off: the
   * stream brings that switch within moments (and with it the copy of the lists); wait for it and
   * keep the change on the device. Any other error is the caller's.
   */
  private async awaitSwitchOff(error: unknown): Promise<void> {
    if (!(error instanceof LockstepApiError) || error.code !== 'CLOUD_SYNC_OFF') throw error;
    const off = () => this.current !== undefined && !this.current.preferences.cloudSync;
    if (off()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        unsubscribe();
        reject(error);
      }, this.options.switchWaitMs ?? switchWaitMsDefault);
      const unsubscribe = this.on('change', () => {
        if (!off()) return;
        this.timers.clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  private requireDevice(): DeviceAccountData {
    if (!this.device) throw new Error('the live account has not loaded the account yet');
    return this.device;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.cancelPause = undefined;
        resolve();
      };
      const handle = this.timers.setTimeout(done, ms);
      this.cancelPause = () => {
        this.timers.clearTimeout(handle);
        done();
      };
    });
  }

  private stop(): void {
    this.stopped = true;
    this.link?.finish({ kind: 'stopped' });
    this.cancelPause?.();
  }

  private fail(error: unknown): void {
    if (this.statusValue === 'revoked' || this.statusValue === 'closed') return;
    this.errorValue = error;
    this.stop();
    this.setStatus('closed');
    this.rejectStart(error);
  }

  private rejectStart(error: unknown): void {
    this.settleStart?.reject(error);
    this.settleStart = undefined;
  }

  private setStatus(status: LiveStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.emit('status', status);
  }

  private emit<K extends keyof LiveAccountEvents>(type: K, value: LiveAccountEvents[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as (value: LiveAccountEvents[K]) => void)(value);
      } catch (error) {
        // A failing listener is the app's bug: report it, but never let it stop the stream.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** What a close code means: 4001 signed out, 4401 credential refused, anything else a lost connection. */
function closeEnd(code: number, reason: string): ConnectionEnd {
  if (code === revokedCloseCode)
    return {
      kind: 'revoked',
      revocation: { reason: reason as RevokeReason, message: `This device was signed out (${reason}).` },
    };
  if (code === unauthenticatedCloseCode) return { kind: 'unauthenticated' };
  return { kind: 'dropped' };
}

/** The revocation a refused request reports (401 SESSION_* or UNAUTHENTICATED); undefined otherwise. */
function revocationOf(error: unknown): Revocation | undefined {
  if (!(error instanceof LockstepApiError) || error.status !== 401) return undefined;
  if (error.code === 'SESSION_REVOKED') {
    const reason = error.details?.reason;
    return {
      reason: typeof reason === 'string' ? (reason as RevokeReason) : 'logout',
      message: error.message,
    };
  }
  if (error.code === 'SESSION_EXPIRED') return { reason: 'expired', message: error.message };
  return { reason: 'unauthenticated', message: error.message };
}

/** Whether trying again later may help: the network, a timeout, the server busy or restarting. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof LockstepApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}
