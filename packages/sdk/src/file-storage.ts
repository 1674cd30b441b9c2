import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyValueStorage } from './key-value-storage.ts';

/** A device's own data is small; a file past this many entries is a bug, not a use. */
const fileStorageKeysMax = 1_000;

/**
 * A `KeyValueStorage` kept in one JSON file, for the command line and other Node programs (Node
 * only: browsers use `localStorage`, and import this module from `@lockstep/sdk/file-storage` so
 * the browser bundle never sees `node:fs`). Every change rewrites the file through a temporary
 * file and a rename, so a crash leaves the old or the new content, never half of one; the file is
 * readable by its owner only.
 *
 * @example
 * const live = client.live({ storage: fileStorage(join(homedir(), '.lockstep', 'device.json')) });
 */
export function fileStorage(path: string): KeyValueStorage {
  const items = load(path);
  const save = (): void => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(Object.fromEntries(items), null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  };
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem(key, value) {
      if (!items.has(key) && items.size >= fileStorageKeysMax)
        throw new RangeError(`file storage holds at most ${fileStorageKeysMax} entries`);
      items.set(key, String(value));
      save();
    },
    removeItem(key) {
      if (items.delete(key)) save();
    },
  };
}

/** The entries of the file; none when it does not exist yet. A damaged file is an error to show. */
function load(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path} is not a JSON object of strings`);
  const items = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') items.set(key, value);
  return items;
}
