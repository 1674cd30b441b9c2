import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './kysely-executor.ts';

/** Ids of one id sequence, inclusive; a bound is absent when the page has no such time bound. */
export interface IdBounds {
  low?: number;
  high?: number;
}

/** A row's id and creation time as a driver returns them (PostgreSQL bigints may be strings). */
interface IdAndTime {
  id: number | string | bigint;
  created_at: number | string | bigint;
}

/** Seeks of one id sequence (order ids, or one symbol's trade ids) by its primary key. */
export interface IdSeeks {
  /** The newest id; null or undefined when the sequence is empty. */
  newest(): Promise<number | string | bigint | null | undefined>;
  /** The first row with an id of at least `id` (ids may have gaps). */
  atOrAfter(id: number): Promise<IdAndTime | undefined>;
}

/**
 * A page's `startTime` and `endTime` as id bounds, each absent when the page has none: a binary
 * search of seeks by id per bound, about 18 for 200,000 rows. A time bound the account's rows do
 * not reach (an `endTime` far back, a `startTime` after its last row) would otherwise walk all of
 * them, checking each one's time. Exact because the sequence's times never go back as ids grow:
 * the trading host holds batch times across a step back of the clock, except a step larger than
 * it holds (it logs one); around such a step a page bounded by time may miss rows stamped out of
 * order.
 */
export async function idBoundsOf(
  query: { startTime?: number; endTime?: number },
  seeks: IdSeeks,
): Promise<IdBounds> {
  if (query.startTime === undefined && query.endTime === undefined) return {};
  const newest = await seeks.newest();
  const last = newest === null || newest === undefined ? 0 : Number(newest);
  const ids: IdBounds = {};
  if (query.startTime !== undefined) ids.low = (await lastIdAtOrBefore(seeks, last, query.startTime - 1)) + 1;
  if (query.endTime !== undefined) ids.high = await lastIdAtOrBefore(seeks, last, query.endTime);
  return ids;
}

/** The last id up to `last` whose row was created at or before `time`, 0 when none. */
async function lastIdAtOrBefore(seeks: IdSeeks, last: number, time: number): Promise<number> {
  // Every id in (found, high] is known to be later than `time`, or absent.
  let found = 0;
  let low = 1;
  let high = last;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const row = await seeks.atOrAfter(middle);
    if (row === undefined || Number(row.id) > high) high = middle - 1;
    else if (Number(row.created_at) <= time) {
      found = Number(row.id);
      low = found + 1;
    } else high = middle - 1;
  }
  return found;
}

/**
 * One short range of an index keyed by (…, id): the rows matching `conditions` within `ids`,
 * newest first, or oldest first when paging forward. On SQLite the statement names its index:
 * with two id bounds and no statistics, SQLite's planner chose the primary key's range of ids for
 * trades, which holds every account's rows.
 */
export function indexRange<Row>(
  dialect: Dialect,
  table: 'orders' | 'trades',
  index: string,
  conditions: RawBuilder<unknown>[],
  ids: IdBounds,
  forward: boolean,
  limit: number,
): RawBuilder<Row> {
  const where = [...conditions];
  if (ids.low !== undefined) where.push(sql`id >= ${ids.low}`);
  if (ids.high !== undefined) where.push(sql`id <= ${ids.high}`);
  return sql<Row>`
    select * from ${sql.table(table)} ${sql.raw(dialect === 'sqlite' ? `indexed by ${index}` : '')}
    where ${sql.join(where, sql` and `)}
    order by id ${sql.raw(forward ? 'asc' : 'desc')}
    limit ${limit}`;
}
