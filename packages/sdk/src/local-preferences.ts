import { readJson, writeJson, type KeyValueStorage } from './key-value-storage.ts';

/**
 * The preferences of B1 that are never synced: each device keeps its own, and none of them is
 * ever sent to the server. `priceAlertNotifications` is this device's choice of whether the
 * account's (shared) price alerts notify here.
 */
export interface LocalPreferenceValues {
  /** The name of the screen layout, e.g. `standard`, `compact`, `pro`. */
  layout: string;
  /** A BCP 47 language tag, e.g. `en`, `de-CH`. */
  language: string;
  theme: 'system' | 'light' | 'dark';
  /** In CSS pixels. */
  fontSize: number;
  /** Keyboard shortcuts: action name to key combination, e.g. `{ buy: 'Shift+B' }`. */
  shortcuts: Record<string, string>;
  priceAlertNotifications: boolean;
}

export type LocalPreferenceKey = keyof LocalPreferenceValues;

export const defaultLocalPreferences: Readonly<LocalPreferenceValues> = Object.freeze({
  layout: 'standard',
  language: 'en',
  theme: 'system',
  fontSize: 14,
  shortcuts: {},
  priceAlertNotifications: true,
});

/** Bounds that keep a damaged or hostile value from taking over the screen or the storage. */
const fontSizeMin = 8;
const fontSizeMax = 48;
const shortcutsMax = 200;
const textLengthMax = 64;

/** The storage key; device-wide, so it holds whichever account is logged in. */
export const localPreferencesKey = 'lockstep.local-preferences';

type Listener = (values: LocalPreferenceValues, changed: LocalPreferenceKey[]) => void;

/**
 * This device's own preferences over a `KeyValueStorage`. Values are checked when set (a bad one
 * throws) and when read (a damaged one falls back to its default), so an app can trust them.
 *
 * @example
 * const prefs = new LocalPreferences(localStorage);
 * prefs.set({ theme: 'dark' });
 * const off = prefs.subscribe((values) => applyTheme(values.theme));
 */
export class LocalPreferences {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key = localPreferencesKey,
  ) {}

  /** Every preference, defaults filled in. */
  all(): LocalPreferenceValues {
    const stored = readJson(this.storage, this.key);
    const values: LocalPreferenceValues = { ...defaultLocalPreferences, shortcuts: {} };
    if (typeof stored !== 'object' || stored === null) return values;
    for (const key of Object.keys(defaultLocalPreferences) as LocalPreferenceKey[]) {
      const value = (stored as Record<string, unknown>)[key];
      if (value !== undefined && problemWith(key, value) === undefined)
        Object.assign(values, { [key]: value });
    }
    return values;
  }

  /** One preference. */
  get<K extends LocalPreferenceKey>(key: K): LocalPreferenceValues[K] {
    return this.all()[key];
  }

  /** Changes some preferences; throws TypeError on a value that does not fit, changing nothing. */
  set(patch: Partial<LocalPreferenceValues>): LocalPreferenceValues {
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in defaultLocalPreferences)) throw new TypeError(`unknown local preference ${key}`);
      const problem = problemWith(key as LocalPreferenceKey, value);
      if (problem) throw new TypeError(`local preference ${key}: ${problem}`);
    }
    const before = this.all();
    const after = { ...before, ...patch };
    const changed = (Object.keys(patch) as LocalPreferenceKey[]).filter(
      (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
    );
    if (changed.length === 0) return before;
    writeJson(this.storage, this.key, after);
    for (const listener of [...this.listeners]) listener(after, changed);
    return after;
  }

  /** Back to the defaults. */
  reset(): LocalPreferenceValues {
    this.storage.removeItem(this.key);
    const values = this.all();
    for (const listener of [...this.listeners])
      listener(values, Object.keys(defaultLocalPreferences) as LocalPreferenceKey[]);
    return values;
  }

  /** Hears every change made through this object; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** Why `value` does not fit preference `key`, or undefined when it does. */
function problemWith(key: LocalPreferenceKey, value: unknown): string | undefined {
  switch (key) {
    case 'layout':
    case 'language':
      return typeof value === 'string' && value.length > 0 && value.length <= textLengthMax
        ? undefined
        : `must be a text of 1 to ${textLengthMax} characters`;
    case 'theme':
      return value === 'system' || value === 'light' || value === 'dark'
        ? undefined
        : 'must be system, light or dark';
    case 'fontSize':
      return Number.isInteger(value) && (value as number) >= fontSizeMin && (value as number) <= fontSizeMax
        ? undefined
        : `must be a whole number from ${fontSizeMin} to ${fontSizeMax}`;
    case 'shortcuts':
      return shortcutsProblem(value);
    case 'priceAlertNotifications':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
  }
}

function shortcutsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const entries = Object.entries(value);
  if (entries.length > shortcutsMax) return `at most ${shortcutsMax} shortcuts`;
  const bad = entries.find(
    ([action, keys]) =>
      action.length === 0 ||
      action.length > textLengthMax ||
      typeof keys !== 'string' ||
      keys.length > textLengthMax,
  );
  return bad
    ? `shortcut ${bad[0]} must map a name to a key combination of at most ${textLengthMax} characters`
    : undefined;
}
