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

/**
 * The last id of a sequence whose row was created at or before `time`, 0 when none: a binary
 * search of seeks by id, about 18 for 200,000 rows. It needs the sequence's times never to go
 * back as ids grow, which the trading host keeps for order ids and each symbol's trade ids. Ids
 * may have gaps: `atOrAfter(id)` gives the first row with an id of at least `id`.
 */
export async function lastIdAtOrBeforeTime(
  newest: () => Promise<number | string | bigint | null | undefined>,
  atOrAfter: (id: number) => Promise<IdAndTime | undefined>,
  time: number,
): Promise<number> {
  const last = await newest();
  // Every id in (found, high] is known to be later than `time`, or absent.
  let found = 0;
  let low = 1;
  let high = last === null || last === undefined ? 0 : Number(last);
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const row = await atOrAfter(middle);
    if (row === undefined || Number(row.id) > high) high = middle - 1;
    else if (Number(row.created_at) <= time) {
      found = Number(row.id);
      low = found + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The id bounds of a page's `startTime` and `endTime` (each absent when the page has none). */
export async function idBoundsOf(
  query: { startTime?: number; endTime?: number },
  lastIdAtOrBefore: (time: number) => Promise<number>,
): Promise<IdBounds> {
  const ids: IdBounds = {};
  if (query.startTime !== undefined) ids.low = (await lastIdAtOrBefore(query.startTime - 1)) + 1;
  if (query.endTime !== undefined) ids.high = await lastIdAtOrBefore(query.endTime);
  return ids;
}
