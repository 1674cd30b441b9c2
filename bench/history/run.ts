import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type OrderRecord, type TradeRecord } from '@lockstep/store';
import type { OrderPageQuery, TradePageQuery } from '@lockstep/store';
import { order } from '../../packages/store/src/test-backends.ts';

/**
 * `npm run bench:history`: how long one page of an account's history takes on the embedded store
 * when the account is a bot with a long past: 200,000 orders and 200,000 trades over three symbols
 * (`BENCH_ROWS`), a fifth of the orders FILLED and one in a thousand REJECTED, each with a client
 * order id. The store's reads run
 * on the server's only thread, so a page that reads every row of the account stalls every other
 * request and the engine's commits for as long. Each query is timed 7 times on a warm store; the
 * median is reported, in milliseconds.
 */
const rows = Number(process.env.BENCH_ROWS ?? 200_000);
const symbols = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'];
const startMs = Date.UTC(2026, 0, 1);

function orderAt(i: number, accountId: number): OrderRecord {
  const status = i % 1000 === 0 ? 'REJECTED' : i % 5 === 0 ? 'FILLED' : 'CANCELED';
  return order(i, accountId, {
    symbol: symbols[i % 3]!,
    clientOrderId: `bot-${i}`,
    side: i % 2 === 0 ? 'BUY' : 'SELL',
    executedQty: status === 'FILLED' ? 1000 : 0,
    status,
    createdAt: startMs + i * 1000,
    updatedAt: startMs + i * 1000,
  });
}

function tradeAt(i: number, accountId: number, other: number): TradeRecord {
  const buys = i % 2 === 0;
  return {
    symbol: symbols[i % 3]!,
    id: Math.floor(i / 3) + 1,
    price: 5_000_000,
    quantity: 100,
    quoteQty: 500_000_000,
    buyerOrderId: 2 * i,
    sellerOrderId: 2 * i + 1,
    buyerAccountId: buys ? accountId : other,
    sellerAccountId: buys ? other : accountId,
    makerSide: 'SELL',
    buyerFee: 100,
    sellerFee: 5,
    buyerFeeAsset: 'BTC',
    sellerFeeAsset: 'USDT',
    createdAt: startMs + i * 1000,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-history-'));
  const store = await openSqliteStore(join(dir, 'lockstep.db'));
  try {
    const account = (email: string) =>
      store.repos.accounts.create({ email, passwordHash: 'h', createdAt: startMs, streamEpoch: 'e' });
    const bot = (await account('bot@example.test')).id;
    const other = (await account('other@example.test')).id;
    const started = Date.now();
    for (let from = 0; from < rows; from += 5_000) {
      const count = Math.min(5_000, rows - from);
      await store.transaction(async (tx) => {
        await tx.orders.upsertMany(Array.from({ length: count }, (_, k) => orderAt(from + k + 1, bot)));
        await tx.trades.insertMany(Array.from({ length: count }, (_, k) => tradeAt(from + k, bot, other)));
      });
    }
    console.log(`${rows} orders and ${rows} trades of one account written in ${Date.now() - started} ms`);

    const median = async (read: () => Promise<unknown[]>): Promise<number> => {
      const times: number[] = [];
      for (let run = 0; run < 7; run++) {
        const t = performance.now();
        await read();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return Math.round(times[3]! * 100) / 100;
    };
    const orders = (query: OrderPageQuery) => median(() => store.repos.orders.page(bot, query));
    const trades = (query: TradePageQuery) => median(() => store.repos.trades.page(bot, query));
    const middle = 2 * Math.floor(rows / 4); // an even row: the bot bought in that trade
    const figures = {
      rows,
      ordersMs: await orders({ limit: 100 }),
      ordersSymbolMs: await orders({ symbol: 'ETHUSDT', limit: 100 }),
      ordersFilledMs: await orders({ status: 'FILLED', limit: 100 }),
      ordersRejectedMs: await orders({ status: 'REJECTED', limit: 100 }),
      ordersFirstHourMs: await orders({ endTime: startMs + 3_600_000, limit: 100 }),
      tradesMs: await trades({ limit: 100 }),
      tradesSymbolMs: await trades({ symbol: 'ETHUSDT', limit: 100 }),
      tradesLastHourMs: await trades({ startTime: startMs + rows * 1000 - 3_600_000, limit: 100 }),
      tradesFirstHourMs: await trades({ endTime: startMs + 3_600_000, limit: 100 }),
      // A day in the middle, and a poll for fills since the last one (there are none).
      tradesMiddleDayMs: await trades({
        startTime: startMs + rows * 500 - 43_200_000,
        endTime: startMs + rows * 500 + 43_200_000,
        limit: 100,
      }),
      tradesSinceLastMs: await trades({ startTime: startMs + rows * 1000 + 1, limit: 100 }),
      // One order's fills, from the middle of the history.
      tradesOfOrderMs: await trades({
        symbol: symbols[middle % 3]!,
        orderId: tradeAt(middle, bot, other).buyerOrderId,
        limit: 100,
      }),
      // A closed order by its client order id: a recent one, and one that does not exist (the whole
      // lookback of 10,000 orders on the symbol is read).
      orderByClientIdMs: await median(async () => [
        await store.repos.orders.byClientOrderId(bot, symbols[(rows - 3) % 3]!, `bot-${rows - 3}`),
      ]),
      orderByClientIdMissMs: await median(async () => [
        await store.repos.orders.byClientOrderId(bot, 'BTCUSDT', 'never-used'),
      ]),
    };
    for (const [name, value] of Object.entries(figures))
      if (name !== 'rows') console.log(`${name.padEnd(22)} ${value} ms`);
    console.log(JSON.stringify(figures));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
