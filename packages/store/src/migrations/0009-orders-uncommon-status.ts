import { sql, type Kysely } from 'kysely';

/**
 * A partial index of the orders that ended REJECTED, EXPIRED or EXPIRED_IN_MATCH, by (account,
 * symbol, id). History filtered by one of those statuses read the account's orders on the symbol
 * one by one until it found a page of them: for a status few of its orders have, all of them
 * (`bench:history`, 200,000 orders: 53 ms on the server's only thread). An order enters this index
 * once, when it closes in one of these statuses, and never moves in it, so the trading batches
 * that never produce those statuses write nothing more (an index on every status was dropped in
 * migration 0006 for moving an entry on every fill and cancel). FILLED and CANCELED, the statuses
 * most closed orders have, still narrow by `orders_account_symbol`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('orders_account_symbol_uncommon')
    .on('orders')
    .columns(['account_id', 'symbol', 'id'])
    .where(sql<boolean>`status in ('REJECTED', 'EXPIRED', 'EXPIRED_IN_MATCH')`)
    .execute();
}
