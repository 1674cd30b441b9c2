import { sql, type Selectable } from 'kysely';
import { upsertRow, type Executor } from './kysely-executor.ts';
import type { NotificationsTable, PriceAlertsTable, WatchlistsTable } from './schema.ts';
import type { NotificationRecord, PriceAlertRecord, WatchlistRecord } from './records.ts';
import type {
  KycRepository,
  NotificationRepository,
  PreferencesRepository,
  PriceAlertRepository,
  WatchlistRepository,
} from './repositories.ts';

function json<T>(text: string, table: string, check: (value: unknown) => boolean): T {
  const value: unknown = JSON.parse(text);
  if (!check(value)) throw new Error(`${table}: a JSON column holds an unexpected shape`);
  return value as T;
}
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
const orNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function kyselyKyc(db: Executor): KycRepository {
  return {
    async get(accountId) {
      const row = await db
        .selectFrom('account_kyc')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return (
        row && {
          accountId: Number(row.account_id),
          status: row.status,
          level: Number(row.level),
          updatedAt: Number(row.updated_at),
        }
      );
    },
    async put(record) {
      const values = {
        account_id: record.accountId,
        status: record.status,
        level: record.level,
        updated_at: record.updatedAt,
      };
      await upsertRow(db, 'account_kyc', values, { key: ['account_id'] });
    },
  };
}

export function kyselyPreferences(db: Executor): PreferencesRepository {
  return {
    async get(accountId) {
      const row = await db
        .selectFrom('account_preferences')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return (
        row && {
          accountId: Number(row.account_id),
          cloudSync: Number(row.cloud_sync) === 1,
          notificationCategories: json<Record<string, boolean>>(
            row.notification_categories,
            'account_preferences',
            isObject,
          ),
          updatedAt: Number(row.updated_at),
        }
      );
    },
    async put(record) {
      const values = {
        account_id: record.accountId,
        cloud_sync: record.cloudSync ? 1 : 0,
        notification_categories: JSON.stringify(record.notificationCategories),
        updated_at: record.updatedAt,
      };
      await upsertRow(db, 'account_preferences', values, { key: ['account_id'] });
    },
    async devices(accountId) {
      const rows = await db
        .selectFrom('device_preferences')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('updated_at', 'asc')
        .orderBy('device_id', 'asc')
        .execute();
      return rows.map((row) => ({
        accountId: Number(row.account_id),
        deviceId: row.device_id,
        notificationsEnabled: Number(row.notifications_enabled) === 1,
        updatedAt: Number(row.updated_at),
      }));
    },
    async putDevice(record) {
      const values = {
        account_id: record.accountId,
        device_id: record.deviceId,
        notifications_enabled: record.notificationsEnabled ? 1 : 0,
        updated_at: record.updatedAt,
      };
      await upsertRow(db, 'device_preferences', values, { key: ['account_id', 'device_id'] });
    },
  };
}

function toWatchlist(row: Selectable<WatchlistsTable>): WatchlistRecord {
  return {
    accountId: Number(row.account_id),
    name: row.name,
    symbols: json<string[]>(row.symbols, 'watchlists', isStringArray),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function kyselyWatchlists(db: Executor): WatchlistRepository {
  return {
    async list(accountId) {
      const rows = await db
        .selectFrom('watchlists')
        .selectAll()
        .where('account_id', '=', accountId)
        // By last change, as devices keep them when applying `watchlist.updated`.
        .orderBy('updated_at', 'asc')
        .orderBy('name', 'asc')
        .execute();
      return rows.map(toWatchlist);
    },
    async get(accountId, name) {
      const row = await db
        .selectFrom('watchlists')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row && toWatchlist(row);
    },
    async count(accountId) {
      const row = await db
        .selectFrom('watchlists')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async put(record) {
      const values = {
        account_id: record.accountId,
        name: record.name,
        symbols: JSON.stringify(record.symbols),
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      };
      await upsertRow(db, 'watchlists', values, { key: ['account_id', 'name'], keep: ['created_at'] });
    },
    async delete(accountId, name) {
      const result = await db
        .deleteFrom('watchlists')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toPriceAlert(row: Selectable<PriceAlertsTable>): PriceAlertRecord {
  return {
    id: row.id,
    accountId: Number(row.account_id),
    symbol: row.symbol,
    condition: row.condition,
    price: Number(row.price),
    note: row.note,
    status: row.status,
    createdAt: Number(row.created_at),
    triggeredAt: orNull(row.triggered_at),
    triggerPrice: orNull(row.trigger_price),
  };
}

export function kyselyPriceAlerts(db: Executor): PriceAlertRepository {
  return {
    async insert(record) {
      await db
        .insertInto('price_alerts')
        .values({
          id: record.id,
          account_id: record.accountId,
          symbol: record.symbol,
          condition: record.condition,
          price: record.price,
          note: record.note,
          status: record.status,
          created_at: record.createdAt,
          triggered_at: record.triggeredAt,
          trigger_price: record.triggerPrice,
        })
        .execute();
    },
    async list(accountId) {
      const rows = await db
        .selectFrom('price_alerts')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toPriceAlert);
    },
    async count(accountId) {
      const row = await db
        .selectFrom('price_alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async delete(accountId, id) {
      const row = await db
        .deleteFrom('price_alerts')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toPriceAlert(row);
    },
    async listActive() {
      const rows = await db
        .selectFrom('price_alerts')
        .selectAll()
        .where('status', '=', 'ACTIVE')
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toPriceAlert);
    },
    async trigger(ids, at, price) {
      const rows: Array<Selectable<PriceAlertsTable>> = [];
      // Chunks keep each statement far below the drivers' bound parameter limits.
      for (let i = 0; i < ids.length; i += 1_000) {
        rows.push(
          ...(await db
            .updateTable('price_alerts')
            .set({ status: 'TRIGGERED', triggered_at: at, trigger_price: price })
            .where('id', 'in', ids.slice(i, i + 1_000))
            .where('status', '=', 'ACTIVE')
            .returningAll()
            .execute()),
        );
      }
      return rows.map(toPriceAlert).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
  };
}

function toNotification(row: Selectable<NotificationsTable>): NotificationRecord {
  return {
    accountId: Number(row.account_id),
    id: Number(row.id),
    kind: row.kind,
    title: row.title,
    body: row.body,
    ref: json<Record<string, string | number>>(row.ref, 'notifications', isObject),
    createdAt: Number(row.created_at),
    readAt: orNull(row.read_at),
  };
}

export function kyselyNotifications(db: Executor): NotificationRepository {
  return {
    async insertMany(records) {
      if (records.length === 0) return;
      await db
        .insertInto('notifications')
        .values(
          records.map((r) => ({
            account_id: r.accountId,
            id: r.id,
            kind: r.kind,
            title: r.title,
            body: r.body,
            ref: JSON.stringify(r.ref),
            created_at: r.createdAt,
            read_at: r.readAt,
          })),
        )
        .execute();
    },
    async page(accountId, before, limit, unreadOnly) {
      let query = db.selectFrom('notifications').selectAll().where('account_id', '=', accountId);
      if (before !== undefined) query = query.where('id', '<', before);
      if (unreadOnly) query = query.where('read_at', 'is', null);
      const rows = await query.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toNotification);
    },
    async unreadCount(accountId) {
      const row = await db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async markRead(accountId, ids, at) {
      if (ids.length === 0) return [];
      const rows = await db
        .updateTable('notifications')
        .set({ read_at: at })
        .where('account_id', '=', accountId)
        .where('id', 'in', [...ids])
        .where('read_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    },
    async markReadUpTo(accountId, upTo, at) {
      const result = await db
        .updateTable('notifications')
        .set({ read_at: at })
        .where('account_id', '=', accountId)
        .where('id', '<=', upTo)
        .where('read_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async prune(accountId, keep) {
      // The newest `keep` ids come off the primary key's index; only this account's rows are touched.
      const result = await sql`
        delete from notifications
        where account_id = ${accountId} and read_at is not null and id <= (
          select id from notifications where account_id = ${accountId} order by id desc limit 1 offset ${keep}
        )`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}
