import { mkdirSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, withStatementCache } from './sqlite.ts';
import { order } from './test-backends.ts';

/**
 * A temporary directory of this test's own, so another SQLite program on the machine cannot put a
 * file where the test looks. SQLite reads SQLITE_TMPDIR once, when it initializes: this runs
 * before the imports load it.
 */
const sqliteTemp = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? '/tmp'}/lockstep-sqlite-temp-${process.pid}`;
  process.env.SQLITE_TMPDIR = dir;
  return dir;
});

/** The names of files SQLite created in its temporary directory while `fn` ran. */
async function tempFilesDuring(fn: () => Promise<void> | void): Promise<string[]> {
  const created: string[] = [];
  const watcher = watch(sqliteTemp, (_event, name) => created.push(String(name)));
  try {
    await fn();
    // inotify queued any creation during `fn`; one turn of the loop delivers it.
    await sleep(50);
  } finally {
    watcher.close();
  }
  return [...new Set(created)].filter((name) => name.startsWith('etilqs_'));
}

describe('embedded store (SQLite)', () => {
  let dir: string;
  beforeAll(() => {
    mkdirSync(sqliteTemp, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'lockstep-sqlite-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(sqliteTemp, { recursive: true, force: true });
  });

  /**
   * A batch's multi-row upsert after other statements needs a statement journal. Beyond 64 KiB
   * SQLite spills it to a file it creates and unlinks in the temporary directory: one more file
   * and about a hundred more writes for every batch (bench:orders: 265 writes per commit, 153
   * without), and every commit fails when that directory is full or missing. The store keeps it in
   * memory.
   */
  it('commits a large batch without creating a temporary file', async () => {
    const file = join(dir, 'lockstep.db');
    const store = await openSqliteStore(file);
    const orders = Array.from({ length: 5_000 }, (_, i) => order(i + 1, 1 + (i % 16)));
    await store.transaction((repos) => repos.orders.upsertMany(orders));

    // Every tenth order: one statement's updates spread over every page of the table.
    const cancels = orders.filter((o) => o.id % 10 === 0);
    const created = await tempFilesDuring(() =>
      store.transaction(async (repos) => {
        await repos.orders.upsertMany([order(5_001, 1)]);
        await repos.orders.upsertMany(
          cancels.map((o) => ({ ...o, status: 'CANCELED', updatedAt: o.updatedAt + 1 })),
        );
      }),
    );
    expect(created).toEqual([]);
    expect((await store.repos.orders.get(10, 10))?.status).toBe('CANCELED');
    expect((await store.repos.orders.get(11, 11))?.status).toBe('NEW');
    await store.close();

    // The same kind of transaction on a connection with SQLite's defaults does create one: the
    // watch above would have seen it.
    const plain = new BetterSqlite3(file);
    const spilled = await tempFilesDuring(() => {
      plain.transaction(() => {
        plain.prepare('update orders set updated_at = updated_at + 1 where id = 5001').run();
        plain.prepare("update orders set status = 'EXPIRED' where id % 10 = 5").run();
      })();
    });
    plain.close();
    expect(spilled).toHaveLength(1);
  });

  /**
   * Statements get their parameters as separate arguments up to 4,096 of them, and as one array
   * beyond: both ways must bind the same values in the same places, for writes, reads and
   * iteration, and refuse a missing value alike.
   */
  it('binds few and many parameters alike', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const db = withStatementCache(sqlite);
    db.prepare('create table t (i integer, v)').run([]);
    for (const n of [1, 3, 4_096, 4_097, 10_000]) {
      db.prepare('delete from t').run([]);
      const values = Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? `s${i}` : i % 3 === 1 ? i * 1.5 : null,
      );
      const pairs = values.flatMap((v, i) => [i, v]);
      const insert = db.prepare(`insert into t (i, v) values ${values.map(() => '(?, ?)').join(', ')}`);
      expect(insert.run(pairs).changes).toBe(n);
      const ids = values.map((_, i) => i).reverse();
      const select = db.prepare(
        `select i, v from t where i in (${ids.map(() => '?').join(', ')}) order by i`,
      );
      const expected = values.map((v, i) => ({ i, v }));
      expect(select.all(ids)).toEqual(expected);
      expect([...select.iterate(ids)]).toEqual(expected);
      expect(() => select.all(ids.slice(1))).toThrow(/Too few parameter values/);
    }
    // A buffer binds as a blob; an array or a plain object is a mistake, refused as it was when
    // every list went as one array (as arguments, better-sqlite3 would unpack the array and read
    // the object as named parameters).
    db.prepare('delete from t').run([]);
    const insert = db.prepare('insert into t (i, v) values (?, ?)');
    insert.run([1, Buffer.from([1, 2])]);
    expect(db.prepare('select v from t where i = ?').all([1])).toEqual([{ v: Buffer.from([1, 2]) }]);
    for (const mistake of [[2, 3], { a: 1 }])
      expect(() => insert.run([2, mistake])).toThrow(
        /can only bind numbers, strings, bigints, buffers, and null/,
      );
    expect(db.prepare('select count(*) as n from t').all([])).toEqual([{ n: 1 }]);
    sqlite.close();
  });
});
