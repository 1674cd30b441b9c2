import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/** The tables rebuilt, and the key that becomes the row id. */
const tables = [
  { table: 'orders', key: 'id' },
  { table: 'engine_journal', key: 'seq' },
] as const;

/**
 * On SQLite, `orders` and `engine_journal` become tables keyed by their own integer id. A column
 * declared `bigint primary key` is not SQLite's row id (only `integer primary key` is), so each
 * table kept its rows under a hidden row id and its key in a separate unique index: every order
 * placed and every command journalled was written to two B-trees, and every order update by id
 * looked the id up in the index first. Keyed by the id, the rows are the index
 * (`bench:orders-instructions` and the WAL frames per commit: docs/benchmarks.md).
 *
 * SQLite cannot change a primary key in place, so each table is rebuilt as its documented
 * procedure has it: a new table from the stored CREATE statement with only the key's type changed,
 * the rows copied in key order, the old table dropped, the new one renamed, and the old table's
 * indexes created again from their stored statements. No other table refers to these two. On
 * PostgreSQL a `bigint primary key` already is the table's key: nothing to do.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  for (const { table, key } of tables) {
    const created = await sql<{
      sql: string;
    }>`select sql from sqlite_schema where type = 'table' and name = ${table}`.execute(db);
    const indexes = await sql<{
      sql: string;
    }>`select sql from sqlite_schema where type = 'index' and tbl_name = ${table} and sql is not null`.execute(
      db,
    );
    const declared = `"${key}" bigint primary key`;
    const statement = created.rows[0]?.sql ?? '';
    if (!statement.startsWith(`CREATE TABLE "${table}" (`) || !statement.includes(declared))
      throw new Error(`${table} is not as migration 0002 made it: ${statement}`);
    // A row id cannot be NULL or anything but an integer: such a key would be renumbered (NULL)
    // or fail the copy, so the migration stops first and says why, with nothing changed.
    const odd = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}
      where typeof(${sql.ref(key)}) != 'integer'`.execute(db);
    if (Number(odd.rows[0]?.n ?? 0) > 0)
      throw new Error(
        `${table}: ${odd.rows[0]?.n} rows whose ${key} is not an integer; fix them before upgrading`,
      );
    const rebuilt = `${table}_by_${key}`;
    await sql
      .raw(
        statement
          .replace(`CREATE TABLE "${table}" (`, `CREATE TABLE "${rebuilt}" (`)
          .replace(declared, `"${key}" integer primary key`),
      )
      .execute(db);
    await sql.raw(`insert into "${rebuilt}" select * from "${table}" order by "${key}"`).execute(db);
    await sql.raw(`drop table "${table}"`).execute(db);
    await sql.raw(`alter table "${rebuilt}" rename to "${table}"`).execute(db);
    for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
  }
}
