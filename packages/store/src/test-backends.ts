import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openPostgresStore, openSqliteStore, type OrderRecord, type Store } from './index.ts';
import type { OrderStatusName } from './records.ts';

const postgresUrl = process.env.LOCKSTEP_TEST_POSTGRES_URL;

/** A store backend the repository suites run on; PostgreSQL only when LOCKSTEP_TEST_POSTGRES_URL is set. */
export interface TestBackend {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** A fresh, migrated store; `cleanup` closes it and removes its data. */
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

/** One store per backend; the same suites run on each (only repositories touch SQL). */
export const testBackends: readonly TestBackend[] = [
  {
    name: 'sqlite',
    skip: false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-store-'));
      const store = await openSqliteStore(join(dir, 'test.db'));
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: !postgresUrl,
    open: async () => {
      const schema = `lockstep_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore(postgresUrl!, { schema, poolSize: 4 });
      return {
        store,
        cleanup: async () => {
          await store.close();
          // The per-run schema is dropped through a plain client to keep test data out of the database.
          const pg = await import('pg');
          const client = new pg.default.Client({ connectionString: postgresUrl });
          await client.connect();
          await client.query(`drop schema ${schema} cascade`);
          await client.end();
        },
      };
    },
  },
];

/** An open BTCUSDT limit order of `accountId`, with `fields` overriding any column. */
/** The status of the first rule `n` is a multiple of (with its remainder), else `otherwise`. */
export function statusOf(
  n: number,
  rules: ReadonlyArray<[every: number, remainder: number, status: OrderStatusName]>,
  otherwise: OrderStatusName,
): OrderStatusName {
  return rules.find(([every, remainder]) => n % every === remainder)?.[2] ?? otherwise;
}

export function order(id: number, accountId: number, fields: Partial<OrderRecord> = {}): OrderRecord {
  return {
    id,
    accountId,
    symbol: 'BTCUSDT',
    clientOrderId: null,
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    price: 5_000_000,
    stopPrice: null,
    quantity: 1000,
    quoteOrderQty: null,
    executedQty: 0,
    cumulativeQuote: 0,
    status: 'NEW',
    stpMode: 'NONE',
    createdAt: id * 10,
    updatedAt: id * 10,
    ...fields,
  };
}
