import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * The trading core: the engine's command journal and snapshots (the source of truth on restart)
 * and the projections the queries read (balances, orders, trades, wallet, candles). Money and
 * quantities are integers in engine units (smallest asset unit, ticks, lots), hence bigint.
 *
 * The engine projections carry no foreign key to `accounts`: the engine's fee account (0) has no
 * row there, and the engine, not this table, decides which accounts exist in the ledger.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('engine_journal')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('batch', 'bigint', (c) => c.notNull())
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('engine_snapshots')
    .addColumn('journal_seq', 'bigint', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('balances')
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('free', 'bigint', (c) => c.notNull())
    .addColumn('locked', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('balances_pk', ['account_id', 'asset'])
    .execute();

  await createOrders(db);
  await createTrades(db);
  await createWallet(db, ctx);

  await db.schema
    .createTable('candles')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('interval', 'text', (c) => c.notNull())
    .addColumn('open_time', 'bigint', (c) => c.notNull())
    .addColumn('open', 'bigint', (c) => c.notNull())
    .addColumn('high', 'bigint', (c) => c.notNull())
    .addColumn('low', 'bigint', (c) => c.notNull())
    .addColumn('close', 'bigint', (c) => c.notNull())
    .addColumn('volume', 'bigint', (c) => c.notNull())
    .addColumn('quote_volume', 'bigint', (c) => c.notNull())
    .addColumn('trade_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('candles_pk', ['symbol', 'interval', 'open_time'])
    .execute();
}

async function createOrders(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    // Null when the caller gave none: several such open orders must not collide in the index below.
    .addColumn('client_order_id', 'text')
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('time_in_force', 'text')
    .addColumn('price', 'bigint')
    .addColumn('stop_price', 'bigint')
    .addColumn('quantity', 'bigint')
    .addColumn('quote_order_qty', 'bigint')
    .addColumn('executed_qty', 'bigint', (c) => c.notNull())
    .addColumn('cumulative_quote', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stp_mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('orders_account_symbol')
    .on('orders')
    .columns(['account_id', 'symbol', 'id'])
    .execute();
  await db.schema
    .createIndex('orders_account_status')
    .on('orders')
    .columns(['account_id', 'status'])
    .execute();
  // Client order ids are unique among an account's open orders only (C2): once closed, one may be reused.
  await db.schema
    .createIndex('orders_open_client_id')
    .unique()
    .on('orders')
    .columns(['account_id', 'client_order_id'])
    .where(sql<boolean>`status in ('NEW', 'PARTIALLY_FILLED')`)
    .execute();
}

async function createTrades(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trades')
    // The engine numbers trades per symbol, so a trade is identified by (symbol, id).
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('quote_qty', 'bigint', (c) => c.notNull())
    .addColumn('buyer_order_id', 'bigint', (c) => c.notNull())
    .addColumn('seller_order_id', 'bigint', (c) => c.notNull())
    .addColumn('buyer_account_id', 'integer', (c) => c.notNull())
    .addColumn('seller_account_id', 'integer', (c) => c.notNull())
    .addColumn('maker_side', 'text', (c) => c.notNull())
    .addColumn('buyer_fee', 'bigint', (c) => c.notNull())
    .addColumn('seller_fee', 'bigint', (c) => c.notNull())
    .addColumn('buyer_fee_asset', 'text', (c) => c.notNull())
    .addColumn('seller_fee_asset', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('trades_pk', ['symbol', 'id'])
    .execute();
  await db.schema
    .createIndex('trades_buyer')
    .on('trades')
    .columns(['buyer_account_id', 'symbol', 'id'])
    .execute();
  await db.schema
    .createIndex('trades_seller')
    .on('trades')
    .columns(['seller_account_id', 'symbol', 'id'])
    .execute();
}

async function createWallet(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('deposit_addresses')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('deposit_addresses_pk', ['account_id', 'asset'])
    .execute();

  await db.schema
    .createTable('deposits')
    .addColumn('id', ctx.autoIdType, (c) => ctx.autoId(c))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('tx_id', 'text', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('confirmations', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('credited_at', 'bigint')
    .execute();
  await db.schema.createIndex('deposits_account').on('deposits').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('deposits_status').on('deposits').columns(['status', 'id']).execute();

  await db.schema
    .createTable('withdrawals')
    .addColumn('id', ctx.autoIdType, (c) => ctx.autoId(c))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('engine_ref', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('withdrawals_account')
    .on('withdrawals')
    .columns(['account_id', 'id'])
    .execute();
  await db.schema.createIndex('withdrawals_status').on('withdrawals').columns(['status', 'id']).execute();
}
