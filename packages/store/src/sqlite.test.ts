import { existsSync, mkdtempSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from './repositories.ts';
import { openSqliteStore } from './sqlite.ts';
import { order } from './test-backends.ts';

/** Where SQLite's unix VFS puts temporary files, in the order it tries them. */
const sqliteTempDirs = [process.env.SQLITE_TMPDIR, process.env.TMPDIR, '/var/tmp', '/usr/tmp', '/tmp', '.'];

describe('embedded store (SQLite)', () => {
  let dir: string | undefined;
  let store: Store | undefined;
  const watchers: FSWatcher[] = [];

  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    store = dir = undefined;
  });

  /**
   * A batch's multi-row upsert after other statements needs a statement journal. Beyond 64 KiB
   * SQLite spills it to a file it creates and unlinks in the temporary directory: one more file
   * and a few hundred more writes for every batch (bench:orders: 265 writes per commit, 153 without),
   * and every commit fails when that directory is full or missing. The store keeps it in memory.
   */
  it('commits a large batch without creating a temporary file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-sqlite-'));
    store = await openSqliteStore(join(dir, 'lockstep.db'));
    const orders = Array.from({ length: 5_000 }, (_, i) => order(i + 1, 1 + (i % 16)));
    await store.transaction((repos) => repos.orders.upsertMany(orders));
    // Every tenth order: one statement's updates spread over every page of the table.
    const cancels = orders.filter((o) => o.id % 10 === 0);

    const created: string[] = [];
    for (const path of new Set(sqliteTempDirs)) {
      if (path === undefined || !existsSync(path)) continue;
      watchers.push(watch(path, (_event, name) => created.push(String(name))));
    }
    await store.transaction(async (repos) => {
      await repos.orders.upsertMany([order(5_000, 1)]);
      // Updates rows on existing pages, so their old contents go to the statement journal.
      await repos.orders.upsertMany(
        cancels.map((o) => ({ ...o, status: 'CANCELED', updatedAt: o.updatedAt + 1 })),
      );
    });
    // inotify queued any creation during the commit; one turn of the loop delivers it.
    await sleep(50);
    expect(created.filter((name) => name.startsWith('etilqs_'))).toEqual([]);
    expect((await store.repos.orders.get(10, 10))?.status).toBe('CANCELED');
    expect((await store.repos.orders.get(11, 11))?.status).toBe('NEW');
  });
});
