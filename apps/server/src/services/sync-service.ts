import { parseMultiple, Result, type OrderEvent } from '@lockstep/engine';
import type { CommittedBatch } from '../engine-host/trading-host.ts';
import {
  LockstepError,
  notificationCategories,
  priceAlertsPerAccountMax,
  snapshotHistoryLimit,
  snapshotNotificationLimit,
  watchlistsPerAccountMax,
  type AccountSnapshot,
  type AdminKycBody,
  type CreatePriceAlertBody,
  type KycStatus,
  type KycUpdatedEvent,
  type KycView,
  type MarkReadBody,
  type MarkReadResult,
  type NotificationCategory,
  type NotificationPage,
  type NotificationQuery,
  type NotificationReadEvent,
  type PreferencesUpdatedEvent,
  type PreferencesView,
  type PriceAlertDeletedEvent,
  type PriceAlertUpdatedEvent,
  type PriceAlertView,
  type UpdatePreferencesBody,
  type WatchlistDeletedEvent,
  type WatchlistUpdatedEvent,
  type WatchlistView,
} from '@lockstep/protocol';
import type { KycRecord, PriceAlertRecord, Repositories, Store, WatchlistRecord } from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import { newId } from '../security/tokens.ts';
import type { TradingService } from '../trading/trading-service.ts';
import type { WalletService } from '../trading/wallet-service.ts';
import type { Emit } from './account-stream.ts';
import type { ApiKeyService } from './api-key-service.ts';
import { normalizeEmail, type AuthService, type Principal } from './auth-service.ts';
import { notify, presentNotification } from './notifications.ts';
import { deviceFingerprint, presentAccount, presentSession } from './presenters.ts';
import type { SecurityService } from './security-service.ts';
import { isoTime } from '../domain/iso-time.ts';

/**
 * Read notifications older than an account's newest this-many are deleted when it marks some read;
 * unread ones stay, so the unread count every device keeps never changes behind its back.
 */
export const notificationsKept = 1_000;

const defaultCategories: Record<NotificationCategory, boolean> = {
  orders: true,
  deposits: true,
  withdrawals: true,
  priceAlerts: true,
  security: true,
};

function presentKyc(record: KycRecord | undefined): KycView {
  return record
    ? { status: record.status as KycStatus, level: record.level, updatedAt: isoTime(record.updatedAt) }
    : { status: 'none', level: 0, updatedAt: null };
}

function presentWatchlist(record: WatchlistRecord): WatchlistView {
  return { name: record.name, symbols: record.symbols, updatedAt: isoTime(record.updatedAt) };
}

/** What the trading host's batches need from this service, inside and after their transaction. */
export interface TradingBatchHooks {
  /** Runs inside the batch's transaction, after the projections. */
  inBatch(repos: Repositories, emit: Emit, batch: CommittedBatch): Promise<void>;
  /** Runs once the batch committed. */
  committed(): void;
}

/**
 * The partly synced and account-level categories of B1 and the notification centre of B4: KYC
 * status, preferences (cloud sync, notification categories, each device's switch), watchlists,
 * price alerts (triggered by the engine's trades) and notifications; and the account snapshot a
 * device loads before it follows the stream. Every change is written with its stream event in one
 * transaction.
 */
export class SyncService implements TradingBatchHooks {
  /** ACTIVE price alerts by symbol, so a batch's trades are checked without reading the store. */
  private readonly activeAlerts = new Map<string, Map<string, PriceAlertRecord>>();
  /** Alerts a batch triggered, dropped from the index once that batch commits. */
  private triggeredInBatch: PriceAlertRecord[] = [];

  constructor(
    private readonly store: Store,
    private readonly config: ServerConfig,
    private readonly commit: <T>(fn: (repos: Repositories, emit: Emit) => Promise<T>) => Promise<T>,
    private readonly parts: {
      auth: AuthService;
      trading: TradingService;
      wallet: WalletService;
      security: SecurityService;
      apiKeys: ApiKeyService;
    },
  ) {}

  /** Accounts that get no notifications: the demo liquidity bot, which no one reads. */
  readonly quietAccounts = new Set<number>();

  /** Builds the price-alert index from the store. */
  async start(): Promise<void> {
    for (const alert of await this.store.repos.priceAlerts.listActive()) this.index(alert);
  }

  // ---- KYC ----

  async kyc(accountId: number, repos: Repositories = this.store.repos): Promise<KycView> {
    return presentKyc(await repos.kyc.get(accountId));
  }

  /** An operator sets an account's KYC status (`lockstep admin kyc`); every device sees it. */
  async setKyc(body: AdminKycBody): Promise<{ email: string; kyc: KycView }> {
    const account = await this.store.repos.accounts.findByEmail(normalizeEmail(body.email));
    if (!account)
      throw new LockstepError('VALIDATION_FAILED', 'no account has this email', { field: 'email' });
    const level = body.level ?? (body.status === 'verified' ? 1 : 0);
    if (body.status !== 'verified' && level !== 0)
      throw new LockstepError('VALIDATION_FAILED', 'only a verified account has a level above 0', {
        field: 'level',
      });
    const record: KycRecord = {
      accountId: account.id,
      status: body.status,
      level,
      updatedAt: this.config.now(),
    };
    const kyc = presentKyc(record);
    await this.commit(async (repos, emit) => {
      await repos.kyc.put(record);
      emit<KycUpdatedEvent>(account.id, 'kyc.updated', { kyc });
    });
    return { email: account.email, kyc };
  }

  // ---- Preferences ----

  async preferences(accountId: number, repos: Repositories = this.store.repos): Promise<PreferencesView> {
    const record = await repos.preferences.get(accountId);
    const devices = await repos.preferences.devices(accountId);
    return {
      cloudSync: record?.cloudSync ?? true,
      notifications: {
        categories: { ...defaultCategories, ...pickCategories(record?.notificationCategories) },
        devices: devices.map((d) => ({
          device: deviceFingerprint(d.deviceId),
          enabled: d.notificationsEnabled,
        })),
      },
      updatedAt: record ? isoTime(record.updatedAt) : null,
    };
  }

  async updatePreferences(principal: Principal, body: UpdatePreferencesBody): Promise<PreferencesView> {
    if (body.notificationCategories?.security === false)
      throw new LockstepError('VALIDATION_FAILED', 'security notifications cannot be turned off', {
        field: 'notificationCategories.security',
      });
    const accountId = principal.account.id;
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      await repos.accounts.lock(accountId);
      const current = await repos.preferences.get(accountId);
      if (body.cloudSync !== undefined || body.notificationCategories !== undefined) {
        await repos.preferences.put({
          accountId,
          cloudSync: body.cloudSync ?? current?.cloudSync ?? true,
          notificationCategories: {
            ...defaultCategories,
            ...pickCategories(current?.notificationCategories),
            ...body.notificationCategories,
          },
          updatedAt: now,
        });
      }
      if (body.deviceNotifications !== undefined) {
        await repos.preferences.putDevice({
          accountId,
          deviceId: principal.session.deviceId,
          notificationsEnabled: body.deviceNotifications,
          updatedAt: now,
        });
      }
      const view = await this.preferences(accountId, repos);
      emit<PreferencesUpdatedEvent>(accountId, 'preferences.updated', { preferences: view });
      return view;
    });
  }

  // ---- Watchlists ----

  async watchlists(accountId: number, repos: Repositories = this.store.repos): Promise<WatchlistView[]> {
    return (await repos.watchlists.list(accountId)).map(presentWatchlist);
  }

  async putWatchlist(principal: Principal, name: string, symbols: readonly string[]): Promise<WatchlistView> {
    symbols.forEach((symbol, i) => {
      if (this.parts.trading.host.reader.marketId(symbol) === undefined)
        throw new LockstepError('UNKNOWN_SYMBOL', `no market ${symbol}`, { field: `symbols.${i}` });
    });
    const accountId = principal.account.id;
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      await repos.accounts.lock(accountId);
      await this.assertCloudSync(repos, accountId);
      const existing = await repos.watchlists.get(accountId, name);
      if (!existing && (await repos.watchlists.count(accountId)) >= watchlistsPerAccountMax)
        throw new LockstepError(
          'WATCHLIST_LIMIT_REACHED',
          `an account has at most ${watchlistsPerAccountMax} watchlists`,
        );
      const record: WatchlistRecord = {
        accountId,
        name,
        symbols: [...symbols],
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await repos.watchlists.put(record);
      const watchlist = presentWatchlist(record);
      emit<WatchlistUpdatedEvent>(accountId, 'watchlist.updated', { watchlist });
      return watchlist;
    });
  }

  async deleteWatchlist(principal: Principal, name: string): Promise<void> {
    const accountId = principal.account.id;
    await this.commit(async (repos, emit) => {
      await repos.accounts.lock(accountId);
      await this.assertCloudSync(repos, accountId);
      if (!(await repos.watchlists.delete(accountId, name)))
        throw new LockstepError('UNKNOWN_WATCHLIST', `no watchlist named ${name}`, { field: 'name' });
      emit<WatchlistDeletedEvent>(accountId, 'watchlist.deleted', { name });
    });
  }

  private async assertCloudSync(repos: Repositories, accountId: number): Promise<void> {
    const prefs = await repos.preferences.get(accountId);
    if (prefs && !prefs.cloudSync)
      throw new LockstepError(
        'CLOUD_SYNC_OFF',
        'cloud sync is off: watchlists are kept on each device; turn cloud sync on to store them here',
      );
  }

  // ---- Price alerts ----

  async priceAlerts(accountId: number, repos: Repositories = this.store.repos): Promise<PriceAlertView[]> {
    return (await repos.priceAlerts.list(accountId)).map((a) => this.presentAlert(a));
  }

  async createPriceAlert(principal: Principal, body: CreatePriceAlertBody): Promise<PriceAlertView> {
    const reader = this.parts.trading.host.reader;
    const marketIndex = reader.marketId(body.symbol);
    const market = marketIndex === undefined ? undefined : reader.market(marketIndex);
    if (!market) throw new LockstepError('UNKNOWN_SYMBOL', `no market ${body.symbol}`, { field: 'symbol' });
    const price = parseMultiple(body.price, market.tick, Result.PRICE_FILTER);
    if (price.code !== Result.OK || price.value <= 0)
      throw new LockstepError(
        'PRICE_FILTER',
        `price must be a positive multiple of the tick size ${market.config.tickSize}`,
        { field: 'price' },
      );
    const accountId = principal.account.id;
    const record: PriceAlertRecord = {
      id: newId('pa'),
      accountId,
      symbol: body.symbol,
      condition: body.condition,
      price: price.value,
      note: body.note ?? '',
      status: 'ACTIVE',
      createdAt: this.config.now(),
      triggeredAt: null,
      triggerPrice: null,
    };
    const view = await this.commit(async (repos, emit) => {
      await repos.accounts.lock(accountId);
      if ((await repos.priceAlerts.count(accountId)) >= priceAlertsPerAccountMax)
        throw new LockstepError(
          'PRICE_ALERT_LIMIT_REACHED',
          `an account has at most ${priceAlertsPerAccountMax} price alerts`,
        );
      await repos.priceAlerts.insert(record);
      const priceAlert = this.presentAlert(record);
      emit<PriceAlertUpdatedEvent>(accountId, 'price_alert.updated', { priceAlert });
      return priceAlert;
    });
    this.index(record);
    return view;
  }

  async deletePriceAlert(principal: Principal, id: string): Promise<PriceAlertView> {
    const accountId = principal.account.id;
    const deleted = await this.commit(async (repos, emit) => {
      const record = await repos.priceAlerts.delete(accountId, id);
      if (!record) throw new LockstepError('UNKNOWN_PRICE_ALERT', `no price alert ${id}`, { field: 'id' });
      emit<PriceAlertDeletedEvent>(accountId, 'price_alert.deleted', {
        priceAlert: this.presentAlert(record),
      });
      return record;
    });
    this.activeAlerts.get(deleted.symbol)?.delete(deleted.id);
    return this.presentAlert(deleted);
  }

  private index(alert: PriceAlertRecord): void {
    const bySymbol = this.activeAlerts.get(alert.symbol) ?? new Map<string, PriceAlertRecord>();
    bySymbol.set(alert.id, alert);
    this.activeAlerts.set(alert.symbol, bySymbol);
  }

  private presentAlert(alert: PriceAlertRecord): PriceAlertView {
    const presenter = this.parts.trading.presenter;
    const market = this.parts.trading.host.reader.marketId(alert.symbol) ?? 0;
    return {
      id: alert.id,
      symbol: alert.symbol,
      condition: alert.condition as PriceAlertView['condition'],
      price: presenter.price(market, alert.price),
      note: alert.note,
      status: alert.status as PriceAlertView['status'],
      createdAt: isoTime(alert.createdAt),
      triggeredAt: alert.triggeredAt === null ? null : isoTime(alert.triggeredAt),
      triggerPrice: alert.triggerPrice === null ? null : presenter.price(market, alert.triggerPrice),
    };
  }

  // ---- The trading host's batches ----

  /**
   * Inside a batch's transaction: a notification for each credited deposit (from the chain or an
   * operator) and each order the batch filled (one per order, with its latest state), and the
   * price alerts its trades crossed, each triggered once.
   */
  async inBatch(repos: Repositories, emit: Emit, batch: CommittedBatch): Promise<void> {
    const presenter = this.parts.trading.presenter;
    const at = batch.at;
    batch.entries.forEach(({ command }, i) => {
      if (command.kind !== 'deposit' || batch.outcomes[i]?.result !== 'OK') return;
      if (this.quietAccounts.has(command.account)) return;
      const amount = presenter.amount(command.asset, command.amount);
      notify(
        emit,
        command.account,
        {
          kind: 'deposit_credited',
          title: 'Deposit credited',
          body: `${amount} ${presenter.assetCode(command.asset)} is in your balance.`,
          ref: { txId: command.txId },
        },
        at,
      );
    });
    const events = batch.events;
    const filledOrders = new Set<string>();
    const lastState = new Map<string, OrderEvent>();
    const range = new Map<string, { low: number; high: number }>();
    for (const event of events) {
      if (event.kind === 'order') lastState.set(`${event.account}:${event.orderId}`, event);
      else if (event.kind === 'trade') {
        filledOrders.add(`${event.buyerAccount}:${event.buyerOrderId}`);
        filledOrders.add(`${event.sellerAccount}:${event.sellerOrderId}`);
        const symbol = presenter.symbol(event.market);
        const r = range.get(symbol);
        if (!r) range.set(symbol, { low: event.price, high: event.price });
        else {
          r.low = Math.min(r.low, event.price);
          r.high = Math.max(r.high, event.price);
        }
      }
    }
    for (const key of filledOrders) {
      const order = lastState.get(key);
      if (!order || order.account === 0 || this.quietAccounts.has(order.account)) continue;
      const view = presenter.order(order, at);
      const done = view.status === 'FILLED';
      notify(
        emit,
        order.account,
        {
          kind: done ? 'order_filled' : 'order_partially_filled',
          title: done ? 'Order filled' : 'Order partly filled',
          body: `${view.side} ${view.symbol}: ${view.executedQty} of ${view.origQty} filled (${view.status}).`,
          ref: { orderId: view.orderId, symbol: view.symbol },
        },
        at,
      );
    }
    this.triggeredInBatch = [];
    for (const [symbol, { low, high }] of range) {
      const above: string[] = [];
      const below: string[] = [];
      for (const alert of this.activeAlerts.get(symbol)?.values() ?? []) {
        if (alert.condition === 'ABOVE' ? high >= alert.price : low <= alert.price) {
          (alert.condition === 'ABOVE' ? above : below).push(alert.id);
          this.triggeredInBatch.push(alert);
        }
      }
      // One statement per direction, however many alerts a price move crosses: the engine's
      // batch waits for this transaction.
      const triggered = [
        ...(await repos.priceAlerts.trigger(above, at, high)),
        ...(await repos.priceAlerts.trigger(below, at, low)),
      ];
      for (const alert of triggered) {
        const priceAlert = this.presentAlert(alert);
        emit<PriceAlertUpdatedEvent>(alert.accountId, 'price_alert.updated', { priceAlert });
        notify(
          emit,
          alert.accountId,
          {
            kind: 'price_alert',
            title: `${symbol} ${alert.condition === 'ABOVE' ? 'rose to' : 'fell to'} ${priceAlert.triggerPrice}`,
            body: `Your alert at ${priceAlert.price}${alert.note ? ` (${alert.note})` : ''} was triggered.`,
            ref: { priceAlertId: alert.id, symbol },
          },
          at,
        );
      }
    }
  }

  committed(): void {
    for (const alert of this.triggeredInBatch) this.activeAlerts.get(alert.symbol)?.delete(alert.id);
    this.triggeredInBatch = [];
  }

  // ---- Notifications ----

  async notifications(accountId: number, query: NotificationQuery): Promise<NotificationPage> {
    const limit = query.limit ?? 50;
    const rows = await this.store.repos.notifications.page(
      accountId,
      query.before,
      limit + 1,
      query.unreadOnly ?? false,
    );
    const page = rows.slice(0, limit);
    return {
      notifications: page.map(presentNotification),
      unread: await this.store.repos.notifications.unreadCount(accountId),
      nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  /** Marks notifications read on every device (the read state is shared). */
  async markRead(principal: Principal, body: MarkReadBody): Promise<MarkReadResult> {
    const accountId = principal.account.id;
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      // The account's row lock orders this with new notifications, so `unread` is exact at its seq.
      await repos.accounts.lock(accountId);
      const read = body.ids !== undefined ? await repos.notifications.markRead(accountId, body.ids, now) : [];
      const changed =
        body.upTo !== undefined ? await repos.notifications.markReadUpTo(accountId, body.upTo, now) : 0;
      if (read.length > 0 || changed > 0) await repos.notifications.prune(accountId, notificationsKept);
      const unread = await repos.notifications.unreadCount(accountId);
      const result: MarkReadResult = { read, upTo: body.upTo ?? null, readAt: isoTime(now), unread };
      // Nothing changed (already read, or unknown ids): no event, so a retry is silent.
      if (read.length > 0 || changed > 0) {
        emit<NotificationReadEvent>(accountId, 'notification.read', {
          ids: read,
          upTo: body.upTo ?? null,
          readAt: result.readAt,
          unread,
        });
      }
      return result;
    });
  }

  // ---- Snapshot ----

  /**
   * Everything a device shows, read in one consistent view of the store and tagged with the
   * stream head of that view: a device applies events after `seq` on top of it.
   */
  async snapshot(principal: Principal): Promise<AccountSnapshot> {
    const { account, session } = principal;
    const { trading, wallet, security, auth, apiKeys } = this.parts;
    return this.store.readConsistent(async (repos) => {
      const head = await repos.accounts.streamHead(account.id);
      const history = { limit: snapshotHistoryLimit };
      const notifications = await repos.notifications.page(
        account.id,
        undefined,
        snapshotNotificationLimit,
        false,
      );
      return {
        epoch: head.epoch,
        seq: head.seq,
        account: presentAccount(account),
        device: { sessionId: session.id, fingerprint: deviceFingerprint(session.deviceId) },
        kyc: await this.kyc(account.id, repos),
        security: await security.view(account.id, repos),
        preferences: await this.preferences(account.id, repos),
        balances: await trading.balances(account.id, repos),
        openOrders: await trading.openOrders(account.id, undefined, repos),
        orders: await trading.orderHistory(account.id, history, repos),
        trades: await trading.tradeHistory(account.id, history, repos),
        deposits: await wallet.deposits(account.id, history, repos),
        withdrawals: await wallet.withdrawals(account.id, history, repos),
        sessions: (await auth.listSessions(account.id, repos)).map((s) =>
          presentSession(s, this.config.lifetimes, session.id),
        ),
        apiKeys: await apiKeys.list(account.id, repos),
        alerts: await security.openAlerts(account.id, repos),
        watchlists: await this.watchlists(account.id, repos),
        priceAlerts: await this.priceAlerts(account.id, repos),
        notifications: notifications.map(presentNotification),
        unreadNotifications: await repos.notifications.unreadCount(account.id),
      };
    });
  }
}

function pickCategories(
  stored: Record<string, boolean> | undefined,
): Partial<Record<NotificationCategory, boolean>> {
  const picked: Partial<Record<NotificationCategory, boolean>> = {};
  for (const c of notificationCategories) if (typeof stored?.[c] === 'boolean') picked[c] = stored[c];
  return picked;
}
