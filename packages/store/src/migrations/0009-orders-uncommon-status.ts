import { sql, type Kysely } from 'kysely';

/**
 * A partial index of the orders that ended REJECTED (a fired stop the account could not pay) or
 * EXPIRED_IN_MATCH (self-trade prevention), by (account, symbol, id). History filtered by one of
 * those statuses read the account's orders on the symbol one by one until it found a page of
 * them: for a status few of its orders have, all of them (`bench:history`, 200,000 orders: 53 ms
 * on the server's only thread). An order enters this index once, when it closes so, and never
 * moves in it; these statuses are rare for every kind of trader, so batches almost never write to
 * it. EXPIRED is left out: every IOC or market order that does not fill ends so, and keyed by
 * account the index cost such a load a page per active account per batch (`bench:orders` with
 * `BENCH_IOC_SHARE=0.5`: 197–203 WAL writes a commit with EXPIRED in it, 175–182 without, by
 * `strace -c`). An index on every status was dropped in migration 0006 for the same reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('orders_account_symbol_uncommon')
    .on('orders')
    .columns(['account_id', 'symbol', 'id'])
    .where(sql<boolean>`status in ('REJECTED', 'EXPIRED_IN_MATCH')`)
    .execute();
}
