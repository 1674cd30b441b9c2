import type { Kysely } from 'kysely';

/**
 * Drops `orders_account_status`. Every order a batch places, fills or cancels moved an entry in it,
 * and on the embedded store that was the most written B-tree: about a quarter of the pages each
 * trading batch wrote to the WAL (`bench:orders`, 60 commands a batch: 28 of 114 pages). Its one
 * reader, the open orders of an account, is answered by the partial index `orders_open_client_id`
 * (open orders only, keyed by account first), which the query now names by its literal condition.
 * History filtered by a closed status (FILLED, CANCELED…) narrows by `orders_account_symbol`: by
 * account and symbol when a symbol is given, by account alone otherwise, reading the account's
 * orders to find that status; a paged history query, not a trading path.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // ifExists: an operator may already have dropped it by hand.
  await db.schema.dropIndex('orders_account_status').ifExists().execute();
}
