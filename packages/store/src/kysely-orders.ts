import { sql, type Selectable } from 'kysely';
import {
  BulkInsert,
  lastPerKey,
  openOrderStatuses,
  orderIsOpen,
  orderStatusIsUncommon,
  uncommonOrderStatuses,
  type Dialect,
  type Executor,
} from './kysely-executor.ts';
import type { OrdersTable } from './schema.ts';
import { idBoundsOf, indexRange, type IdBounds, type IdSeeks } from './time-bounds.ts';
import type { OrderRecord, OrderSideName, OrderStatusName } from './records.ts';
import type { OrderPageQuery, OrderRepository } from './repositories.ts';

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
  (o: OrderRecord) => [
    o.id,
    o.accountId,
    o.symbol,
    o.clientOrderId,
    o.side,
    o.type,
    o.timeInForce,
    o.price,
    o.stopPrice,
    o.quantity,
    o.quoteOrderQty,
    o.executedQty,
    o.cumulativeQuote,
    o.status,
    o.stpMode,
    o.createdAt,
    o.updatedAt,
  ],
  { key: ['id'], update: ['quantity', 'executed_qty', 'cumulative_quote', 'status', 'updated_at'] },
);

/**
 * How far back a closed order is found by its client order id: among the account's this many
 * newest orders on the symbol (Binance, too, stops finding old closed orders: it archives them).
 */
export const clientIdLookback = 10_000;

/**
 * The statements behind an account's open orders and its history, as builders, so the SQLite plan
 * test (`sqlite-open-orders.test.ts`) explains exactly what the repository runs.
 */
export const orderQueries = {
  /**
   * An account's open orders, through the partial index that holds only open orders (the query
   * states its literal condition). The symbol is filtered and the few rows sorted in code: with
   * the symbol in SQL, SQLite prefers the (account, symbol) index and walks the account's whole
   * history on that symbol.
   */
  open: (db: Executor, accountId: number) =>
    db.selectFrom('orders').selectAll().where('account_id', '=', accountId).where(orderIsOpen),
  /** The account's open order with this client order id: a seek of the partial open-orders index. */
  openByClientId: (db: Executor, accountId: number, clientOrderId: string) =>
    db
      .selectFrom('orders')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('client_order_id', '=', clientOrderId)
      .where(orderIsOpen),
  /**
   * The id of the account's `clientIdLookback`-th newest order on the symbol (none when it has
   * fewer): an index-only walk of (account, symbol, id).
   */
  lookbackStart: (db: Executor, accountId: number, symbol: string) =>
    db
      .selectFrom('orders')
      .select('id')
      .where('account_id', '=', accountId)
      .where('symbol', '=', symbol)
      .orderBy('id', 'desc')
      .offset(clientIdLookback - 1)
      .limit(1),
  /** The newest order with this client order id on the symbol from `fromId` on, read newest first. */
  recentByClientId: (
    dialect: Dialect,
    accountId: number,
    symbol: string,
    clientOrderId: string,
    fromId: number,
  ) =>
    indexRange<Selectable<OrdersTable>>(
      dialect,
      'orders',
      'orders_account_symbol',
      [sql`account_id = ${accountId}`, sql`symbol = ${symbol}`, sql`client_order_id = ${clientOrderId}`],
      { low: fromId },
      false,
      1,
    ),
  /** Every open order's placement time, through the same partial index (a restart reads it once). */
  placements: (db: Executor) => db.selectFrom('orders').select(['id', 'created_at']).where(orderIsOpen),
  /**
   * One symbol's page of an account's history, through the (account, symbol, id) index (or its
   * partial twin for an uncommon status): newest first, or with `fromId` the oldest `limit` from it
   * in ascending order.
   */
  history: (
    dialect: Dialect,
    accountId: number,
    symbol: string,
    query: OrderPageQuery,
    ids: IdBounds = {},
  ) => {
    const conditions = [sql`account_id = ${accountId}`, sql`symbol = ${symbol}`];
    if (query.status !== undefined) conditions.push(sql`status = ${query.status}`);
    // An uncommon status has its own partial index: the page is a range of it, not a search.
    const uncommon = query.status !== undefined && uncommonOrderStatuses.includes(query.status);
    if (uncommon) conditions.push(orderStatusIsUncommon);
    if (query.beforeId !== undefined) conditions.push(sql`id < ${query.beforeId}`);
    if (query.fromId !== undefined) conditions.push(sql`id >= ${query.fromId}`);
    if (query.startTime !== undefined) conditions.push(sql`created_at >= ${query.startTime}`);
    if (query.endTime !== undefined) conditions.push(sql`created_at <= ${query.endTime}`);
    return indexRange<Selectable<OrdersTable>>(
      dialect,
      'orders',
      uncommon ? 'orders_account_symbol_uncommon' : 'orders_account_symbol',
      conditions,
      ids,
      query.fromId !== undefined,
      query.limit,
    );
  },
  /** The first order with an id of at least `id`: a seek of the primary key. */
  atOrAfter: (db: Executor, id: number) =>
    db.selectFrom('orders').select(['id', 'created_at']).where('id', '>=', id).orderBy('id', 'asc').limit(1),
  /** The newest order id (a seek of the primary key); null when there is none. */
  lastId: (db: Executor) => db.selectFrom('orders').select((eb) => eb.fn.max('id').as('id')),
  /**
   * The symbols an account has orders on, by a loose index scan: one seek of the (account, symbol,
   * id) index per symbol, however many orders there are.
   */
  symbols: (accountId: number) => sql<{ symbol: string }>`
    with recursive symbols(symbol) as (
      select min(symbol) from orders where account_id = ${accountId}
      union all
      select (select min(symbol) from orders where account_id = ${accountId} and symbol > symbols.symbol)
      from symbols where symbols.symbol is not null
    )
    select symbol from symbols where symbol is not null`,
};

/** Orders over one executor. */
export function kyselyOrders(db: Executor, dialect: Dialect): OrderRepository {
  /** An account's open orders, oldest first. */
  const openRows = async (accountId: number): Promise<Array<Selectable<OrdersTable>>> => {
    const rows = await orderQueries.open(db, accountId).execute();
    return rows.sort((a, b) => a.id - b.id);
  };
  /** Seeks of the order ids, for a page's time bounds. */
  const orderSeeks: IdSeeks = {
    newest: async () => (await orderQueries.lastId(db).executeTakeFirst())?.id,
    atOrAfter: (id) => orderQueries.atOrAfter(db, id).executeTakeFirst(),
  };
  return {
    async upsertMany(rows) {
      await orderUpsert.run(
        db,
        dialect,
        lastPerKey(rows, (o) => o.id),
      );
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
    async byClientOrderId(accountId, symbol, clientOrderId) {
      const open = await orderQueries.openByClientId(db, accountId, clientOrderId).executeTakeFirst();
      if (open?.symbol === symbol) return toOrder(open);
      // Closed orders: no index has their client ids (one keyed by random client ids would cost every
      // batch a page per order), so the account's recent orders on the symbol are read, newest first,
      // until one has it.
      const start = await orderQueries.lookbackStart(db, accountId, symbol).executeTakeFirst();
      const query = orderQueries.recentByClientId(
        dialect,
        accountId,
        symbol,
        clientOrderId,
        Number(start?.id ?? 0),
      );
      const [row] = (await query.execute(db)).rows;
      return row && toOrder(row);
    },
    async open(accountId, symbol) {
      const rows = await openRows(accountId);
      return (symbol === undefined ? rows : rows.filter((r) => r.symbol === symbol)).map(toOrder);
    },
    async openPlacements() {
      const rows = await orderQueries.placements(db).execute();
      return rows.map((r) => ({ id: Number(r.id), createdAt: Number(r.created_at) }));
    },
    async page(accountId, query) {
      let candidates: Array<Selectable<OrdersTable>>;
      if (query.status !== undefined && openOrderStatuses.includes(query.status)) {
        // The open orders of an account are few (the engine's 200, plus waiting stops): read them
        // through the partial index and filter in code, whatever the other filters.
        candidates = (await openRows(accountId)).filter(
          (r) =>
            r.status === query.status &&
            (query.symbol === undefined || r.symbol === query.symbol) &&
            (query.beforeId === undefined || r.id < query.beforeId) &&
            (query.fromId === undefined || r.id >= query.fromId) &&
            (query.startTime === undefined || r.created_at >= query.startTime) &&
            (query.endTime === undefined || r.created_at <= query.endTime),
        );
      } else {
        // Across symbols: the `limit` orders of each symbol the account traded, each a short range
        // of the (account, symbol, id) index, merged below. In one query SQLite would read and sort
        // every order of the account (126 ms for a bot with 300,000 orders, the server's thread
        // blocked), and an (account, id) index would cost every trading batch about 10 %.
        const symbols =
          query.symbol !== undefined
            ? [query.symbol]
            : (await orderQueries.symbols(accountId).execute(db)).rows.map((r) => r.symbol);
        const ids = symbols.length === 0 ? {} : await idBoundsOf(query, orderSeeks);
        candidates = [];
        for (const symbol of symbols) {
          const range = orderQueries.history(dialect, accountId, symbol, query, ids);
          candidates.push(...(await range.execute(db)).rows);
        }
      }
      // Newest first; paging forward (`fromId`) takes the oldest `limit`, still returned newest first.
      const forward = query.fromId !== undefined;
      candidates.sort((a, b) => (forward ? a.id - b.id : b.id - a.id));
      const page = candidates.slice(0, query.limit);
      return (forward ? page.reverse() : page).map(toOrder);
    },
  };
}
