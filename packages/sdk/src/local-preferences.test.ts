import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceAccountData } from './device-data.ts';
import { fileStorage } from './file-storage.ts';
import { memoryStorage } from './key-value-storage.ts';
import { LocalPreferences, defaultLocalPreferences, localPreferencesKey } from './local-preferences.ts';

describe('local preferences', () => {
  it('start at the defaults and keep what is set', () => {
    const prefs = new LocalPreferences(memoryStorage());
    expect(prefs.all()).toEqual(defaultLocalPreferences);
    prefs.set({ theme: 'dark', fontSize: 18, shortcuts: { buy: 'Shift+B' } });
    expect(prefs.all()).toMatchObject({
      theme: 'dark',
      fontSize: 18,
      shortcuts: { buy: 'Shift+B' },
      layout: 'standard',
    });
    expect(prefs.get('language')).toBe('en');
  });

  it('refuse a value that does not fit, changing nothing', () => {
    const prefs = new LocalPreferences(memoryStorage());
    expect(() => prefs.set({ theme: 'neon' as 'dark' })).toThrow(TypeError);
    expect(() => prefs.set({ fontSize: 2 })).toThrow(TypeError);
    expect(() => prefs.set({ layout: 'x'.repeat(100) })).toThrow(TypeError);
    expect(() => prefs.set({ priceAlertNotifications: 'no' as unknown as boolean })).toThrow(TypeError);
    expect(() => prefs.set({ colour: 'red' } as never)).toThrow(TypeError);
    expect(prefs.all()).toEqual(defaultLocalPreferences);
  });

  it('fall back to the default for a damaged stored value', () => {
    const storage = memoryStorage({
      [localPreferencesKey]: JSON.stringify({ theme: 'light', fontSize: 'huge' }),
    });
    expect(new LocalPreferences(storage).all()).toMatchObject({ theme: 'light', fontSize: 14 });
    expect(new LocalPreferences(memoryStorage({ [localPreferencesKey]: '{not json' })).all()).toEqual(
      defaultLocalPreferences,
    );
  });

  it('tell subscribers what changed, until they unsubscribe', () => {
    const prefs = new LocalPreferences(memoryStorage());
    const heard: string[][] = [];
    const off = prefs.subscribe((_values, changed) => heard.push(changed));
    prefs.set({ theme: 'dark', language: 'en' });
    prefs.set({ theme: 'dark' });
    off();
    prefs.set({ theme: 'light' });
    expect(heard).toEqual([['theme']]);
  });

  it('are per device: two storages never share them', () => {
    const a = new LocalPreferences(memoryStorage());
    const b = new LocalPreferences(memoryStorage());
    a.set({ language: 'de-CH' });
    expect(b.get('language')).toBe('en');
  });
});

describe('file storage', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps entries across restarts in an owner-only file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-sdk-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'device.json');
    const first = fileStorage(path);
    expect(first.getItem('a')).toBeNull();
    new LocalPreferences(first).set({ theme: 'dark' });
    first.setItem('b', '2');
    first.removeItem('b');
    const again = new LocalPreferences(fileStorage(path));
    expect(again.get('theme')).toBe('dark');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveProperty(localPreferencesKey);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses to start on a damaged file rather than overwrite it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-sdk-'));
    dirs.push(dir);
    const path = join(dir, 'device.json');
    writeFileSync(path, '[1, 2]');
    expect(() => fileStorage(path)).toThrow(/not a JSON object/);
  });
});

describe('device account data', () => {
  it('remembers the highest decided notification per stream epoch, never moving back', () => {
    const data = new DeviceAccountData(memoryStorage(), 7);
    expect(data.notifiedUpTo('e1')).toBeUndefined();
    data.setNotifiedUpTo('e1', 12);
    data.setNotifiedUpTo('e1', 9);
    expect(data.notifiedUpTo('e1')).toBe(12);
    expect(data.notifiedUpTo('e2')).toBeUndefined();
  });

  it('keeps device-local watchlists within the server bounds', () => {
    const data = new DeviceAccountData(memoryStorage(), 7);
    expect(data.watchlists()).toBeUndefined();
    const now = new Date('2026-01-01T00:00:00.000Z');
    data.putWatchlist('majors', ['BTCUSDT', 'ETHUSDT'], now);
    data.putWatchlist('alts', ['ETHBTC'], now);
    data.putWatchlist('majors', ['BTCUSDT'], now);
    expect(data.watchlists()!.map((w) => [w.name, w.symbols])).toEqual([
      ['alts', ['ETHBTC']],
      ['majors', ['BTCUSDT']],
    ]);
    expect(() => data.putWatchlist('a/b', [], now)).toThrow(TypeError);
    expect(() => data.putWatchlist('dup', ['BTCUSDT', 'BTCUSDT'], now)).toThrow(TypeError);
    expect(() => data.putWatchlist('lower', ['btcusdt'], now)).toThrow(TypeError);
    expect(data.deleteWatchlist('alts')).toBe(true);
    expect(data.deleteWatchlist('alts')).toBe(false);
  });
});
