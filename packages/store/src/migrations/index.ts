import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import * as foundation from './0001-foundation.ts';
import * as trading from './0002-trading.ts';
import * as security from './0003-security.ts';
import * as apiKeys from './0004-api-keys.ts';
import * as sync from './0005-sync.ts';
import * as openOrdersIndex from './0006-open-orders-index.ts';
import * as orderEventTimes from './0007-order-event-times.ts';
import * as tradeOrderIndexes from './0008-trade-order-indexes.ts';
import * as ordersUncommonStatus from './0009-orders-uncommon-status.ts';
import * as sqliteIntegerKeys from './0010-sqlite-integer-keys.ts';

/** What a migration may need to know of the database it runs on. */
export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
  /** Column type of an auto-incrementing integer key. */
  autoIdType: 'integer';
  /** Makes a column an auto-incrementing primary key in this dialect. */
  autoId(c: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

interface Migration {
  name: string;
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}

/** Every migration, in the order it runs. Append only: a released migration never changes. */
export const migrations: readonly Migration[] = [
  { name: '0001-foundation', up: foundation.up },
  { name: '0002-trading', up: trading.up },
  { name: '0003-security', up: security.up },
  { name: '0004-api-keys', up: apiKeys.up },
  { name: '0005-sync', up: sync.up },
  { name: '0006-open-orders-index', up: openOrdersIndex.up },
  { name: '0007-order-event-times', up: orderEventTimes.up },
  { name: '0008-trade-order-indexes', up: tradeOrderIndexes.up },
  { name: '0009-orders-uncommon-status', up: ordersUncommonStatus.up },
  { name: '0010-sqlite-integer-keys', up: sqliteIntegerKeys.up },
];

/**
 * Applies the migrations the database lacks, each in its own transaction with its bookkeeping row,
 * so a crash mid-way leaves either the whole migration or none of it.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: MigrationContext['dialect'],
  /** The last migration to apply (tests of an upgrade stop before the one they test); all by default. */
  until?: string,
): Promise<string[]> {
  if (until !== undefined && !migrations.some((m) => m.name === until))
    throw new Error(`no migration named ${until}`);
  const ctx: MigrationContext = {
    dialect,
    autoIdType: 'integer',
    autoId: (c) => (dialect === 'sqlite' ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity()),
  };
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const applied = await sql<{ name: string }>`select name from schema_migrations`.execute(db);
  const done = new Set(applied.rows.map((r) => r.name));
  const ran: string[] = [];
  for (const migration of migrations) {
    if (!done.has(migration.name)) {
      await db.transaction().execute(async (trx) => {
        await migration.up(trx, ctx);
        await sql`insert into schema_migrations (name, applied_at) values (${migration.name}, ${Date.now()})`.execute(
          trx,
        );
      });
      ran.push(migration.name);
    }
    if (migration.name === until) break;
  }
  return ran;
}
