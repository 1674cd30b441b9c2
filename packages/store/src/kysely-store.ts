import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { kyselyRepositories } from './kysely-repositories.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { Store } from './repositories.ts';

/** Migrates the database and wraps it as a Store; the same for every dialect Kysely speaks. */
export async function migratedStore(db: Kysely<Database>, dialect: Store['dialect']): Promise<Store> {
  await migrateToLatest(db as unknown as Kysely<unknown>, dialect);
  return {
    dialect,
    repos: kyselyRepositories(db, dialect),
    transaction: (fn) => db.transaction().execute((trx) => fn(kyselyRepositories(trx, dialect))),
    readConsistent: (fn) =>
      dialect === 'postgres'
        ? db
            .transaction()
            .setIsolationLevel('repeatable read')
            .setAccessMode('read only')
            .execute((trx) => fn(kyselyRepositories(trx, dialect)))
        : // SQLite runs one transaction at a time on the one connection, so any transaction is consistent.
          db.transaction().execute((trx) => fn(kyselyRepositories(trx, dialect))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
