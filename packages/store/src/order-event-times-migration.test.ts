import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore, type Store } from './index.ts';
import { order } from './test-backends.ts';

const postgresUrl = process.env.LOCKSTEP_TEST_POSTGRES_URL;
const migration = '0007-order-event-times';

/**
 * A data folder or schema opened twice: `forget` runs SQL on it between the two openings, as the
 * previous release would have left it.
 */
interface Reopenable {
  name: string;
  skip: boolean;
  open(): Promise<Store>;
  forget(statements: string[]): Promise<void>;
  remove(): Promise<void>;
}

function sqliteFolder(): Reopenable {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-migration-'));
  const file = join(dir, 'lockstep.db');
  return {
    name: 'sqlite',
    skip: false,
    open: () => openSqliteStore(file),
    forget: async (statements) => {
      const db = new BetterSqlite3(file);
      for (const statement of statements) db.exec(statement);
      db.close();
      await Promise.resolve();
    },
    remove: async () => {
      rmSync(dir, { recursive: true, force: true });
      await Promise.resolve();
    },
  };
}

function postgresSchema(): Reopenable {
  const schema = `lockstep_test_${randomBytes(6).toString('hex')}`;
  const run = async (statements: string[]) => {
    const client = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    skip: !postgresUrl,
    open: () => openPostgresStore(postgresUrl!, { schema, poolSize: 2 }),
    forget: run,
    remove: () => run([`drop schema ${schema} cascade`]),
  };
}

describe('order events stored before OrderView.time', () => {
  for (const where of [sqliteFolder(), postgresSchema()]) {
    it.skipIf(where.skip)(
      `gives each one its order's placement time on upgrade (${where.name})`,
      async () => {
        try {
          const placed = Date.UTC(2026, 0, 1, 0, 0, 5, 7); // 00:00:05.007, milliseconds that must stay exact
          const before = await where.open();
          const account = await before.repos.accounts.create({
            email: 'old@x.test',
            passwordHash: 'h',
            createdAt: 1,
            streamEpoch: 'e',
          });
          const a = account.id;
          await before.repos.orders.upsertMany([
            order(7, a, { createdAt: placed, updatedAt: placed + 60_000, status: 'PARTIALLY_FILLED' }),
          ]);
          const view = (orderId: number, updateTime: string, extra: object = {}) => ({
            order: { orderId, symbol: 'BTCUSDT', status: 'NEW', updateTime, ...extra },
          });
          await before.repos.events.appendMany([
            {
              accountId: a,
              seq: 1,
              type: 'order.updated',
              data: view(7, '2026-01-01T00:00:05.007Z'),
              createdAt: 1,
            },
            {
              accountId: a,
              seq: 2,
              type: 'balance.updated',
              data: { balance: { asset: 'BTC' } },
              createdAt: 1,
            },
            {
              accountId: a,
              seq: 3,
              type: 'order.updated',
              data: view(7, '2026-01-01T00:01:05.007Z'),
              createdAt: 1,
            },
            // An order whose row is gone falls back to the event's own time.
            {
              accountId: a,
              seq: 4,
              type: 'order.updated',
              data: view(8, '2026-01-02T00:00:00.000Z'),
              createdAt: 1,
            },
            // Written by this release: left alone (a time unlike the order row's, to tell).
            {
              accountId: a,
              seq: 5,
              type: 'order.updated',
              data: view(7, '2026-01-01T00:01:05.007Z', { time: '2025-12-31T23:59:59.999Z' }),
              createdAt: 1,
            },
          ]);
          await before.close();
          await where.forget([`delete from schema_migrations where name = '${migration}'`]);

          const after = await where.open();
          const events = await after.repos.events.listAfter(a, 0, 10);
          await after.close();
          const times = events.map((e) => (e.data as { order?: { time?: string } }).order?.time);
          expect(times).toEqual([
            '2026-01-01T00:00:05.007Z',
            undefined,
            '2026-01-01T00:00:05.007Z',
            '2026-01-02T00:00:00.000Z',
            '2025-12-31T23:59:59.999Z',
          ]);
          expect(new Date(placed).toISOString()).toBe('2026-01-01T00:00:05.007Z');
          // Everything else in the events is as it was.
          expect(events[0]!.data).toEqual(view(7, '2026-01-01T00:00:05.007Z', { time: times[0] }));
          expect(events[1]!.data).toEqual({ balance: { asset: 'BTC' } });
        } finally {
          await where.remove();
        }
      },
    );
  }
});
