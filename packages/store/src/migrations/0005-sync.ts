import type { Kysely } from 'kysely';

/**
 * The data categories of issue 5 (B1, B4): KYC status, the account's preferences (cloud-sync
 * switch, notification categories) and each device's notification switch, watchlists, price
 * alerts, and the notification centre. A notification's id is the `seq` of the stream event that
 * announced it, so ids increase per account and "read up to N" means one thing on every device.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_kyc')
    .addColumn('account_id', 'integer', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('account_preferences')
    .addColumn('account_id', 'integer', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('cloud_sync', 'integer', (c) => c.notNull())
    // JSON object: category → on/off.
    .addColumn('notification_categories', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('device_preferences')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('notifications_enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_preferences_pk', ['account_id', 'device_id'])
    .execute();
  await db.schema
    .createTable('watchlists')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON array of symbols, in the owner's order.
    .addColumn('symbols', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('watchlists_pk', ['account_id', 'name'])
    .execute();
  await db.schema
    .createTable('price_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('condition', 'text', (c) => c.notNull())
    // The engine's integer price (ticks of the quote asset), compared with trade prices exactly.
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('triggered_at', 'bigint')
    .addColumn('trigger_price', 'bigint')
    .execute();
  await db.schema.createIndex('price_alerts_account').on('price_alerts').columns(['account_id']).execute();
  await db.schema
    .createIndex('price_alerts_active')
    .on('price_alerts')
    .columns(['status', 'symbol'])
    .execute();
  await db.schema
    .createTable('notifications')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // JSON object naming what it is about.
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addPrimaryKeyConstraint('notifications_pk', ['account_id', 'id'])
    .execute();
}
