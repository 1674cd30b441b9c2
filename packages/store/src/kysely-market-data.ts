import type { Selectable } from 'kysely';
import { BulkInsert, chunksOf, lastPerKey, type Dialect, type Executor } from './kysely-executor.ts';
import type { CandlesTable, TradesTable } from './schema.ts';
import type { CandleRecord, OrderSideName, TradeRecord } from './records.ts';
import type { CandleRepository, TradeRepository } from './repositories.ts';

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

const tradeInsert = new BulkInsert('trades', [
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
]);

/** Trades over one executor. */
export function kyselyTrades(db: Executor, dialect: Dialect): TradeRepository {
  return {
    async insertMany(rows) {
      await tradeInsert.run(
        db,
        dialect,
        rows.map((t) => ({
          symbol: t.symbol,
          id: t.id,
          price: t.price,
          quantity: t.quantity,
          quote_qty: t.quoteQty,
          buyer_order_id: t.buyerOrderId,
          seller_order_id: t.sellerOrderId,
          buyer_account_id: t.buyerAccountId,
          seller_account_id: t.sellerAccountId,
          maker_side: t.makerSide,
          buyer_fee: t.buyerFee,
          seller_fee: t.sellerFee,
          buyer_fee_asset: t.buyerFeeAsset,
          seller_fee_asset: t.sellerFeeAsset,
          created_at: t.createdAt,
        })),
      );
    },
    async page(accountId, query) {
      // Trade ids count per symbol: a position by id means nothing across symbols.
      if (query.fromId !== undefined && query.symbol === undefined)
        throw new Error('trades.page: fromId needs a symbol');
      let q = db
        .selectFrom('trades')
        .selectAll()
        .where((eb) =>
          eb.or([eb('buyer_account_id', '=', accountId), eb('seller_account_id', '=', accountId)]),
        );
      if (query.startTime !== undefined) q = q.where('created_at', '>=', query.startTime);
      if (query.endTime !== undefined) q = q.where('created_at', '<=', query.endTime);
      if (query.symbol === undefined) {
        const rows = await q
          .orderBy('created_at', 'desc')
          .orderBy('symbol', 'asc')
          .orderBy('id', 'desc')
          .limit(query.limit)
          .execute();
        return rows.map(toTrade);
      }
      q = q.where('symbol', '=', query.symbol);
      if (query.fromId === undefined) {
        const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
        return rows.map(toTrade);
      }
      // Paging forward takes the oldest `limit` from `fromId`, still returned newest first.
      const rows = await q.where('id', '>=', query.fromId).orderBy('id', 'asc').limit(query.limit).execute();
      return rows.reverse().map(toTrade);
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
