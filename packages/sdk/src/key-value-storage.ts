/**
 * Where a device keeps what is its own (B1 "never synced"): the browser's `localStorage` fits as it
 * is; `memoryStorage()` is for tests and short-lived scripts, and `fileStorage()` (from
 * `@lockstep/sdk/file-storage`, Node only) for the command line.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A storage that lives as long as the process: nothing survives a restart.
 *
 * @example
 * const live = client.live({ storage: memoryStorage() });
 */
export function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

/** The JSON value stored under `key`, or undefined when it is missing or not JSON. */
export function readJson(storage: KeyValueStorage, key: string): unknown {
  const text = storage.getItem(key);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A damaged entry (another program, a full disk) counts as missing rather than breaking the app.
    return undefined;
  }
}

/** Stores `value` as JSON under `key`. */
export function writeJson(storage: KeyValueStorage, key: string, value: unknown): void {
  storage.setItem(key, JSON.stringify(value));
}
