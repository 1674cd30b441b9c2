import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './schema.ts';
import { migratedStore } from './kysely-store.ts';
import type { Store } from './repositories.ts';

/** Page cache of the connection, in KiB. */
const cacheKib = 64 * 1024;

/**
 * Opens (and creates, and migrates) the embedded SQLite store at `file`. WAL mode lets readers run
 * beside the writer; `synchronous = FULL` makes every commit durable before it is acknowledged.
 */
export async function openSqliteStore(file: string): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's default page cache (2 MB) is smaller than the indexes a busy exchange writes into:
  // a batch's upserts then read their B-tree pages back from the OS (bench:orders, +8 %).
  sqlite.pragma(`cache_size = -${cacheKib}`);
  // A batch's multi-row upserts keep their statement journals in memory: spilled past 64 KiB, each
  // batch created, wrote and unlinked a file in /var/tmp (sqlite.test.ts), and a full /var/tmp
  // would have failed every commit.
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return migratedStore(db, 'sqlite');
}

/** Bound on cached statements; batched inserts of different sizes each have their own text. */
const cachedStatementsMax = 2_000;

/**
 * Most parameters a statement gets as separate arguments; a longer list is passed as one array.
 * Arguments sit on the stack (8 bytes each), and a batch's inserts stay under this.
 */
const spreadParametersMax = 4_096;

/**
 * Kysely prepares every query anew; preparing costs about as much as running a small statement,
 * so statements are kept by their SQL text. Safe because queries run one at a time on this
 * connection and none is streamed (a cached statement is never mid-iteration when reused).
 * Exported for its tests.
 */
export function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = boundByArguments(sqlite.prepare(sql));
        if (cache.size >= cachedStatementsMax) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Kysely hands a statement its parameters as one array, which better-sqlite3 reads element by
 * element through V8's generic property lookup (about 400 instructions a value, 4 % of an order
 * request's server work: bench:orders-instructions). Given as arguments, each value is read
 * directly.
 */
function boundByArguments(statement: BetterSqlite3.Statement): SqliteStatement {
  return {
    reader: statement.reader,
    all: (parameters) => (spreadable(parameters) ? statement.all(...parameters) : statement.all(parameters)),
    run: (parameters) => (spreadable(parameters) ? statement.run(...parameters) : statement.run(parameters)),
    iterate: (parameters) =>
      spreadable(parameters) ? statement.iterate(...parameters) : statement.iterate(parameters),
  };
}

/**
 * As arguments, better-sqlite3 would unpack an array and read a plain object as named parameters,
 * where inside the one array both are refused ("SQLite3 can only bind numbers, strings, bigints,
 * buffers, and null"): a list holding either goes as the array, so a mistake still fails loudly.
 */
function spreadable(parameters: ReadonlyArray<unknown>): boolean {
  if (parameters.length > spreadParametersMax) return false;
  for (const value of parameters)
    if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) return false;
  return true;
}
