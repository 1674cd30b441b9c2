import type { WatchlistView } from '@lockstep/protocol';
import { readJson, writeJson, type KeyValueStorage } from './key-value-storage.ts';

/** The server's bounds (protocol's `watchlistsPerAccountMax`, `watchlistSymbolsMax`), kept locally too. */
export const localWatchlistsMax = 20;
export const localWatchlistSymbolsMax = 200;
const watchlistNameLengthMax = 40;
// The server's rule: no control characters, bidirectional overrides or slashes.
const badNameCharacter = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069/]/;
const symbolPattern = /^[A-Z0-9]{2,20}$/;

/**
 * What one device keeps of one account in its own storage, never on the server: the highest
 * notification id it has decided on (so a restart of the app never notifies twice), and its
 * device-local watchlists (used while the account's cloud sync is off).
 */
export class DeviceAccountData {
  private readonly notifiedKey: string;
  private readonly watchlistsKey: string;

  constructor(
    private readonly storage: KeyValueStorage,
    accountId: number,
  ) {
    this.notifiedKey = `lockstep.account.${accountId}.notified-up-to`;
    this.watchlistsKey = `lockstep.account.${accountId}.watchlists`;
  }

  /**
   * The highest notification id this device has decided on in stream `epoch`; undefined on its
   * first run, or when the stream's history was reset (ids start again).
   */
  notifiedUpTo(epoch: string): number | undefined {
    const stored = readJson(this.storage, this.notifiedKey);
    if (typeof stored !== 'object' || stored === null) return undefined;
    const { epoch: storedEpoch, upTo } = stored as { epoch?: unknown; upTo?: unknown };
    return storedEpoch === epoch && Number.isSafeInteger(upTo) && (upTo as number) >= 0
      ? (upTo as number)
      : undefined;
  }

  /** Records that every notification up to `id` of stream `epoch` was decided on (never moves back). */
  setNotifiedUpTo(epoch: string, id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError('a notification id is a whole number ≥ 0');
    if (id > (this.notifiedUpTo(epoch) ?? -1)) writeJson(this.storage, this.notifiedKey, { epoch, upTo: id });
  }

  /** The device-local watchlists; undefined when this device never kept any. */
  watchlists(): WatchlistView[] | undefined {
    const stored = readJson(this.storage, this.watchlistsKey);
    if (!Array.isArray(stored)) return undefined;
    return stored.filter(isWatchlist).slice(0, localWatchlistsMax);
  }

  /** Replaces every device-local watchlist (cloud sync was turned off: the synced ones are copied). */
  replaceWatchlists(lists: readonly WatchlistView[]): void {
    writeJson(this.storage, this.watchlistsKey, lists.slice(0, localWatchlistsMax));
  }

  /** Creates or replaces one device-local watchlist, within the server's bounds. */
  putWatchlist(name: string, symbols: readonly string[], now: Date): WatchlistView {
    const problem = watchlistProblem(name, symbols);
    if (problem) throw new TypeError(problem);
    const lists = this.watchlists() ?? [];
    const others = lists.filter((w) => w.name !== name);
    if (others.length === lists.length && lists.length >= localWatchlistsMax)
      throw new RangeError(`a device keeps at most ${localWatchlistsMax} watchlists`);
    const watchlist: WatchlistView = { name, symbols: [...symbols], updatedAt: now.toISOString() };
    this.replaceWatchlists([...others, watchlist]);
    return watchlist;
  }

  /** Deletes one device-local watchlist; false when there was none of that name. */
  deleteWatchlist(name: string): boolean {
    const lists = this.watchlists() ?? [];
    const others = lists.filter((w) => w.name !== name);
    if (others.length === lists.length) return false;
    this.replaceWatchlists(others);
    return true;
  }
}

/** Why a watchlist does not fit the server's rules, or undefined when it does. */
export function watchlistProblem(name: string, symbols: readonly string[]): string | undefined {
  if (name.length === 0 || name.length > watchlistNameLengthMax || badNameCharacter.test(name))
    return `a watchlist name has 1 to ${watchlistNameLengthMax} characters, no control characters or slashes`;
  if (symbols.length > localWatchlistSymbolsMax)
    return `a watchlist holds at most ${localWatchlistSymbolsMax} symbols`;
  if (new Set(symbols).size !== symbols.length) return 'a watchlist lists each symbol once';
  const bad = symbols.find((s) => !symbolPattern.test(s));
  return bad === undefined ? undefined : `${bad} is not a market symbol`;
}

function isWatchlist(value: unknown): value is WatchlistView {
  if (typeof value !== 'object' || value === null) return false;
  const { name, symbols, updatedAt } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    typeof updatedAt === 'string' &&
    Array.isArray(symbols) &&
    symbols.every((s) => typeof s === 'string')
  );
}
