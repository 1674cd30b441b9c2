import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migratedStore } from './kysely-store.ts';
import type { Store } from './repositories.ts';

const int8Oid = 20;

export interface PostgresStoreOptions {
  /** Schema to create and use instead of `public` (tests give each run its own). */
  schema?: string;
  /** Connections in the pool. */
  poolSize?: number;
}

/**
 * Opens (and migrates) the PostgreSQL store of cluster mode. Times and sequence numbers are bigint
 * columns; they stay below 2^53, so they are read back as plain numbers.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  const types = new pg.TypeOverrides();
  types.setTypeParser(int8Oid, 'text', (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    options: schema ? `-c search_path=${schema}` : undefined,
    types,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return migratedStore(db, 'postgres');
}
