import { sql, type Selectable } from 'kysely';
import {
  BulkInsert,
  lastPerKey,
  openOrderStatuses,
  orderIsOpen,
  type Dialect,
  type Executor,
} from './kysely-executor.ts';
import type { OrdersTable } from './schema.ts';
import type { OrderRecord, OrderSideName, OrderStatusName } from './records.ts';
import type { OrderRepository } from './repositories.ts';

function toOrder(row: Selectable<OrdersTable>): OrderRecord {
  const optional = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    symbol: row.symbol,
    clientOrderId: row.client_order_id,
    side: row.side as OrderSideName,
    type: row.type,
    timeInForce: row.time_in_force,
    price: optional(row.price),
    stopPrice: optional(row.stop_price),
    quantity: optional(row.quantity),
    quoteOrderQty: optional(row.quote_order_qty),
    executedQty: Number(row.executed_qty),
    cumulativeQuote: Number(row.cumulative_quote),
    status: row.status as OrderStatusName,
    stpMode: row.stp_mode,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(o: OrderRecord): OrdersTable {
  return {
    id: o.id,
    account_id: o.accountId,
    symbol: o.symbol,
    client_order_id: o.clientOrderId,
    side: o.side,
    type: o.type,
    time_in_force: o.timeInForce,
    price: o.price,
    stop_price: o.stopPrice,
    quantity: o.quantity,
    quote_order_qty: o.quoteOrderQty,
    executed_qty: o.executedQty,
    cumulative_quote: o.cumulativeQuote,
    status: o.status,
    stp_mode: o.stpMode,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

/**
 * Only what an order's life changes follows the engine's latest ORDER event (a market order by
 * quote amount learns its quantity only when it fills). The rest is fixed at placement, and
 * leaving it out of the SET spares SQLite rewriting the index on (account, symbol) for every fill
 * and cancel.
 */
const orderUpsert = new BulkInsert(
  'orders',
  [
    'id',
    'account_id',
    'symbol',
    'client_order_id',
    'side',
    'type',
    'time_in_force',
    'price',
    'stop_price',
    'quantity',
    'quote_order_qty',
    'executed_qty',
    'cumulative_quote',
    'status',
    'stp_mode',
    'created_at',
    'updated_at',
  ],
  { key: ['id'], update: ['quantity', 'executed_qty', 'cumulative_quote', 'status', 'updated_at'] },
);

/** Orders over one executor. */
export function kyselyOrders(db: Executor, dialect: Dialect): OrderRepository {
  return {
    async upsertMany(rows) {
      await orderUpsert.run(db, dialect, lastPerKey(rows, (o) => o.id).map(toRow));
    },
    async get(accountId, id) {
      const row = await db
        .selectFrom('orders')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toOrder(row);
    },
    async byClientOrderId(accountId, clientOrderId) {
      const row = await db
        .selectFrom('orders')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('client_order_id', '=', clientOrderId)
        .orderBy(sql`case when ${orderIsOpen} then 0 else 1 end`)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toOrder(row);
    },
    async open(accountId, symbol) {
      // The symbol is filtered here, not in SQL: with it in the WHERE clause SQLite prefers the
      // (account, symbol) index and walks the account's whole history on that symbol, while the
      // partial index holds only open orders, at most the engine's 200 per account.
      const rows = await db
        .selectFrom('orders')
        .selectAll()
        .where('account_id', '=', accountId)
        .where(orderIsOpen)
        .orderBy('id', 'asc')
        .execute();
      return (symbol === undefined ? rows : rows.filter((r) => r.symbol === symbol)).map(toOrder);
    },
    async page(accountId, query) {
      let q = db.selectFrom('orders').selectAll().where('account_id', '=', accountId);
      if (query.symbol !== undefined) q = q.where('symbol', '=', query.symbol);
      if (query.status !== undefined) {
        q = q.where('status', '=', query.status);
        // Stating that an open status is open lets the partial index of open orders answer it.
        if (openOrderStatuses.includes(query.status)) q = q.where(orderIsOpen);
      }
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      if (query.startTime !== undefined) q = q.where('created_at', '>=', query.startTime);
      if (query.endTime !== undefined) q = q.where('created_at', '<=', query.endTime);
      if (query.fromId === undefined) {
        const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
        return rows.map(toOrder);
      }
      // Paging forward takes the oldest `limit` from `fromId`, still returned newest first.
      const rows = await q.where('id', '>=', query.fromId).orderBy('id', 'asc').limit(query.limit).execute();
      return rows.reverse().map(toOrder);
    },
  };
}
