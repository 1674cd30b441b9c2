import { sql, type Selectable } from 'kysely';
import { BulkInsert, chunksOf, lastPerKey, type Dialect, type Executor } from './kysely-executor.ts';
import type { CandlesTable, TradesTable } from './schema.ts';
import { idBoundsOf, indexRange, type IdBounds, type IdSeeks } from './time-bounds.ts';
import type { CandleRecord, OrderSideName, TradeRecord } from './records.ts';
import type { CandleRepository, TradePageQuery, TradeRepository } from './repositories.ts';

function toTrade(row: Selectable<TradesTable>): TradeRecord {
  return {
    symbol: row.symbol,
    id: Number(row.id),
    price: Number(row.price),
    quantity: Number(row.quantity),
    quoteQty: Number(row.quote_qty),
    buyerOrderId: Number(row.buyer_order_id),
    sellerOrderId: Number(row.seller_order_id),
    buyerAccountId: Number(row.buyer_account_id),
    sellerAccountId: Number(row.seller_account_id),
    makerSide: row.maker_side as OrderSideName,
    buyerFee: Number(row.buyer_fee),
    sellerFee: Number(row.seller_fee),
    buyerFeeAsset: row.buyer_fee_asset,
    sellerFeeAsset: row.seller_fee_asset,
    createdAt: Number(row.created_at),
  };
}

function toCandle(row: Selectable<CandlesTable>): CandleRecord {
  return {
    symbol: row.symbol,
    interval: row.interval,
    openTime: Number(row.open_time),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    quoteVolume: Number(row.quote_volume),
    tradeCount: Number(row.trade_count),
  };
}

const tradeInsert = new BulkInsert(
  'trades',
  [
    'symbol',
    'id',
    'price',
    'quantity',
    'quote_qty',
    'buyer_order_id',
    'seller_order_id',
    'buyer_account_id',
    'seller_account_id',
    'maker_side',
    'buyer_fee',
    'seller_fee',
    'buyer_fee_asset',
    'seller_fee_asset',
    'created_at',
  ],
  (t: TradeRecord) => [
    t.symbol,
    t.id,
    t.price,
    t.quantity,
    t.quoteQty,
    t.buyerOrderId,
    t.sellerOrderId,
    t.buyerAccountId,
    t.sellerAccountId,
    t.makerSide,
    t.buyerFee,
    t.sellerFee,
    t.buyerFeeAsset,
    t.sellerFeeAsset,
    t.createdAt,
  ],
);

/** The statements of an account's trade history (exported for the query-plan tests). */
export const tradeQueries = {
  /**
   * One side's trades of an account on one symbol, newest first or (fromId) oldest first: a range
   * of (buyer|seller, symbol, id), or with `orderId` a seek of that side's order-id index (an
   * order's few fills, sorted).
   */
  range: (
    dialect: Dialect,
    side: 'buyer_account_id' | 'seller_account_id',
    accountId: number,
    symbol: string,
    query: TradePageQuery,
    /** The symbol's trade ids within the page's time bounds (see `idBoundsOf`). */
    ids: IdBounds = {},
  ) => {
    const conditions = [sql`${sql.ref(side)} = ${accountId}`, sql`symbol = ${symbol}`];
    if (query.startTime !== undefined) conditions.push(sql`created_at >= ${query.startTime}`);
    if (query.endTime !== undefined) conditions.push(sql`created_at <= ${query.endTime}`);
    if (query.fromId !== undefined) conditions.push(sql`id >= ${query.fromId}`);
    const [orderColumn, byAccount, byOrder] =
      side === 'buyer_account_id'
        ? (['buyer_order_id', 'trades_buyer', 'trades_buyer_order'] as const)
        : (['seller_order_id', 'trades_seller', 'trades_seller_order'] as const);
    if (query.orderId !== undefined) conditions.push(sql`${sql.ref(orderColumn)} = ${query.orderId}`);
    const index = query.orderId === undefined ? byAccount : byOrder;
    return indexRange<Selectable<TradesTable>>(
      dialect,
      'trades',
      index,
      conditions,
      ids,
      query.fromId !== undefined,
      query.limit,
    );
  },
  /** The symbol's first trade with an id of at least `id`: a seek of the primary key. */
  atOrAfter: (db: Executor, symbol: string, id: number) =>
    db
      .selectFrom('trades')
      .select(['id', 'created_at'])
      .where('symbol', '=', symbol)
      .where('id', '>=', id)
      .orderBy('id', 'asc')
      .limit(1),
  /** The symbol's newest trade id (a seek of the primary key); null when it has none. */
  lastId: (db: Executor, symbol: string) =>
    db
      .selectFrom('trades')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('symbol', '=', symbol),
  /**
   * The symbols an account traded, by a loose index scan of each side's index: one seek per
   * symbol, however many trades there are.
   */
  symbols: (accountId: number) => sql<{ symbol: string }>`
    with recursive
      bought(symbol) as (
        select min(symbol) from trades where buyer_account_id = ${accountId}
        union all
        select (select min(symbol) from trades where buyer_account_id = ${accountId} and symbol > bought.symbol)
        from bought where bought.symbol is not null
      ),
      sold(symbol) as (
        select min(symbol) from trades where seller_account_id = ${accountId}
        union all
        select (select min(symbol) from trades where seller_account_id = ${accountId} and symbol > sold.symbol)
        from sold where sold.symbol is not null
      )
    select symbol from bought where symbol is not null
    union
    select symbol from sold where symbol is not null`,
};

/** Trades over one executor. */
export function kyselyTrades(db: Executor, dialect: Dialect): TradeRepository {
  /** Seeks of one symbol's trade ids, for a page's time bounds. */
  const seeksOf = (symbol: string): IdSeeks => ({
    newest: async () => (await tradeQueries.lastId(db, symbol).executeTakeFirst())?.id,
    atOrAfter: (id) => tradeQueries.atOrAfter(db, symbol, id).executeTakeFirst(),
  });
  return {
    async insertMany(rows) {
      await tradeInsert.run(db, dialect, rows);
    },
    async page(accountId, query) {
      // Trade ids count per symbol: a position by id means nothing across symbols.
      if ((query.fromId !== undefined || query.orderId !== undefined) && query.symbol === undefined)
        throw new Error('trades.page: fromId and orderId need a symbol');
      // Each symbol's newest (or, with fromId, oldest) `limit` trades on each side of the account,
      // each a short range of the (buyer|seller, symbol, id) index, merged here. One query with
      // `buyer = ? or seller = ?` across symbols read and sorted every trade of the account:
      // 131–162 ms for 200,000 trades (`bench:history`), the server's thread blocked, on the default
      // call. The statements run one by one, as order history's do: read a page in one view
      // (`Store.readConsistent`), or a batch committed between two of them may show in one
      // symbol's range and not yet in another's.
      const symbols =
        query.symbol !== undefined
          ? [query.symbol]
          : (await tradeQueries.symbols(accountId).execute(db)).rows.map((r) => r.symbol);
      const found = new Map<string, Selectable<TradesTable>>();
      for (const symbol of symbols) {
        const ids = await idBoundsOf(query, seeksOf(symbol));
        for (const side of ['buyer_account_id', 'seller_account_id'] as const) {
          // A self-trade is on both sides; it is one trade.
          const range = tradeQueries.range(dialect, side, accountId, symbol, query, ids);
          for (const row of (await range.execute(db)).rows) found.set(`${row.symbol} ${row.id}`, row);
        }
      }
      const forward = query.fromId !== undefined;
      const rows = [...found.values()];
      // Within a symbol, ids grow with time (the trading host's batch clock never goes back), so
      // each range holds its symbol's newest trades and the merge can order by time.
      rows.sort((a, b) =>
        forward
          ? Number(a.id) - Number(b.id)
          : Number(b.created_at) - Number(a.created_at) ||
            (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
            Number(b.id) - Number(a.id),
      );
      const page = rows.slice(0, query.limit);
      return (forward ? page.reverse() : page).map(toTrade);
    },
    async recent(symbol, limit) {
      const rows = await db
        .selectFrom('trades')
        .selectAll()
        .where('symbol', '=', symbol)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(toTrade);
    },
  };
}

/** Candlesticks over one executor. */
export function kyselyCandles(db: Executor): CandleRepository {
  return {
    async upsertMany(rows) {
      const latest = lastPerKey(rows, (c) => `${c.symbol}\u0000${c.interval}\u0000${c.openTime}`);
      for (const chunk of chunksOf(latest, 10)) {
        await db
          .insertInto('candles')
          .values(
            chunk.map((c) => ({
              symbol: c.symbol,
              interval: c.interval,
              open_time: c.openTime,
              open: c.open,
              high: c.high,
              low: c.low,
              close: c.close,
              volume: c.volume,
              quote_volume: c.quoteVolume,
              trade_count: c.tradeCount,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['symbol', 'interval', 'open_time']).doUpdateSet((eb) => ({
              open: eb.ref('excluded.open'),
              high: eb.ref('excluded.high'),
              low: eb.ref('excluded.low'),
              close: eb.ref('excluded.close'),
              volume: eb.ref('excluded.volume'),
              quote_volume: eb.ref('excluded.quote_volume'),
              trade_count: eb.ref('excluded.trade_count'),
            })),
          )
          .execute();
      }
    },
    async range(symbol, interval, query) {
      let q = db
        .selectFrom('candles')
        .selectAll()
        .where('symbol', '=', symbol)
        .where('interval', '=', interval);
      if (query.startTime !== undefined) q = q.where('open_time', '>=', query.startTime);
      if (query.endTime !== undefined) q = q.where('open_time', '<=', query.endTime);
      if (query.startTime !== undefined) {
        const rows = await q.orderBy('open_time', 'asc').limit(query.limit).execute();
        return rows.map(toCandle);
      }
      const rows = await q.orderBy('open_time', 'desc').limit(query.limit).execute();
      return rows.reverse().map(toCandle);
    },
  };
}
