import type { Kysely } from 'kysely';

/**
 * Indexes trades by the buyer's and the seller's order id, for one order's fills
 * (`GET /v1/my-trades?orderId=`, which bots call after each order). Without them the fills were
 * looked for in the account's trades on the symbol over the order's whole life, each row read from
 * the table: for a market maker's order resting a day, every trade of that day, on the server's
 * only thread. Each trade adds an entry to each index; order ids grow, so the taker's entry goes
 * to the end and the maker's near it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('trades_buyer_order').on('trades').column('buyer_order_id').execute();
  await db.schema.createIndex('trades_seller_order').on('trades').column('seller_order_id').execute();
}
