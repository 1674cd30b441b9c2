import { CompiledQuery, sql, type Insertable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** What repositories run on: the database itself, or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** The dialect repositories are built for. */
export type Dialect = 'sqlite' | 'postgres';

/** Rows per multi-row statement: small enough to keep statements short and plans cheap. */
const rowsPerStatementMax = 500;
/** SQLite's bound-parameter limit (PostgreSQL allows 65,535); every statement stays under it. */
const parametersMax = 32_766;

/**
 * Splits rows into the chunks of one multi-row statement each: at most 500 rows, and at most
 * SQLite's parameter limit counting `columns` parameters per row. A batch of thousands of changes
 * is then a handful of statements instead of one per row.
 */
export function chunksOf<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.min(rowsPerStatementMax, Math.floor(parametersMax / columns)));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/** Statuses of orders still working. */
export const openOrderStatuses: readonly string[] = ['NEW', 'PARTIALLY_FILLED'];

/**
 * "The order is open", written exactly as the partial index `orders_open_client_id` is defined
 * (migration 0002: `status in ('NEW', 'PARTIALLY_FILLED')`). A planner uses a partial index only
 * for a query whose condition implies the index's, which it can prove from literals but not from
 * bound parameters.
 */
export const orderIsOpen = statusIn(openOrderStatuses);

/** Closed statuses few orders end in, indexed apart (`orders_account_symbol_uncommon`, migration 0009). */
export const uncommonOrderStatuses: readonly string[] = ['REJECTED', 'EXPIRED_IN_MATCH'];

/** The condition of `orders_account_symbol_uncommon`, as literals, for the same reason as `orderIsOpen`. */
export const orderStatusIsUncommon = statusIn(uncommonOrderStatuses);

/** `status in ('A', 'B')` with the statuses as literals (they are constants of this module). */
function statusIn(statuses: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`status in (${sql.raw(statuses.map((s) => `'${s}'`).join(', '))})`;
}

/**
 * The last row per key. A batch often holds several states of one row (an order filled twice, a
 * balance changed by two commands); PostgreSQL refuses an upsert that touches a row twice, and the
 * last state is the one to keep anyway. Each key keeps the position of its first row, so rows
 * stay in event order: an order closed in a batch is written before a new open order that reuses
 * its client order id, and the partial unique index never sees both open.
 */
export function lastPerKey<T>(rows: readonly T[], key: (row: T) => string | number): T[] {
  const byKey = new Map<string | number, T>();
  for (const row of rows) byKey.set(key(row), row);
  return byKey.size === rows.length ? [...rows] : [...byKey.values()];
}

/**
 * Inserts one row, or when a row with the same `key` exists, overwrites every column of it but the
 * key and `keep` (columns fixed when the row was first written, such as `created_at`).
 */
export async function upsertRow<T extends keyof Database>(
  db: Executor,
  table: T,
  values: Insertable<Database[T]>,
  columns: {
    key: ReadonlyArray<keyof Database[T] & string>;
    keep?: ReadonlyArray<keyof Database[T] & string>;
  },
): Promise<void> {
  const fixed = new Set<string>([...columns.key, ...(columns.keep ?? [])]);
  const changes = Object.fromEntries(Object.entries(values).filter(([column]) => !fixed.has(column)));
  // Kysely types a conflict target and a SET per table; over a table chosen by a type parameter
  // they are checked here instead, by the signature.
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const name: string = table;
  await loose
    .insertInto(name)
    .values(values)
    .onConflict((oc) => oc.columns([...columns.key]).doUpdateSet(changes))
    .execute();
}

/**
 * A multi-row INSERT (optionally an upsert) for the statements every trading batch writes. Kysely's
 * builder parses and compiles every value of every row on each call, about a third of the cost of
 * writing an event row (8-10 µs against 6-7 µs through compiled SQL, in a loop of 150-row
 * inserts); here the SQL text is written once per statement size and dialect and the values go
 * straight to the driver, still as bound parameters.
 *
 * A row's values come from `values`, an array in the order of `columns`, read by position. Row
 * objects keyed by column name, read back column by column, made every read a megamorphic lookup
 * (each table's rows have their own shape) and every row an object to build: without them
 * `bench:orders-instructions` went from 386 k to 362 k instructions per request. The array's
 * length is checked against the columns on every row.
 */
export class BulkInsert<T extends keyof Database, R> {
  private readonly texts = new Map<string, string>();
  private readonly head: string;
  private readonly tail: string;

  constructor(
    table: T,
    private readonly columns: ReadonlyArray<keyof Database[T] & string>,
    /** The stored values of a row, in the order of `columns` (undefined is stored as null). */
    private readonly values: (row: R) => unknown[],
    conflict?: {
      key: ReadonlyArray<keyof Database[T] & string>;
      /** Columns an existing row takes from the new one; the others keep their stored values. */
      update: ReadonlyArray<keyof Database[T] & string>;
    },
  ) {
    this.head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
    this.tail = conflict
      ? ` on conflict (${conflict.key.map(quote).join(', ')}) do update set ` +
        conflict.update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')
      : '';
  }

  async run(db: Executor, dialect: Dialect, rows: readonly R[]): Promise<void> {
    const width = this.columns.length;
    const pieceMax = Math.min(rowsPerStatementMax, Math.floor(parametersMax / width));
    for (let start = 0; start < rows.length;) {
      // A statement holds a multiple of 16 rows, or fewer than 16 rows in a power of two (150
      // rows: 144 + 4 + 2), so a table has about 36 texts per dialect, and SQLite as many prepared
      // statements, however batch sizes vary; one per row count could be 500 texts of up to 60 KB.
      const left = rows.length - start;
      const count = Math.min(pieceMax, left >= 16 ? left - (left % 16) : largestPowerOfTwo(left));
      const parameters: unknown[] = new Array(count * width);
      let i = 0;
      for (let r = start; r < start + count; r++) {
        const values = this.values(rows[r]!);
        if (values.length !== width)
          throw new Error(`${this.head}: a row of ${values.length} values for ${width} columns`);
        for (let c = 0; c < width; c++) parameters[i++] = values[c] ?? null;
      }
      await db.executeQuery(CompiledQuery.raw(this.text(dialect, count), parameters));
      start += count;
    }
  }

  private text(dialect: Dialect, rows: number): string {
    const key = `${dialect}:${rows}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      const width = this.columns.length;
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++) {
        const marks: string[] = [];
        for (let c = 1; c <= width; c++) marks.push(dialect === 'postgres' ? `$${r * width + c}` : '?');
        tuples.push(`(${marks.join(', ')})`);
      }
      text = this.head + tuples.join(', ') + this.tail;
      this.texts.set(key, text);
    }
    return text;
  }
}

function largestPowerOfTwo(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

function quote(identifier: string): string {
  return `"${identifier}"`;
}
