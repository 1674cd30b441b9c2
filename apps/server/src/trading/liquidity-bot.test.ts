import { describe, expect, it } from 'vitest';
import { backends, startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { resolveConfig } from '../config.ts';
import { serveOptionsFrom } from '../serve.ts';
import { defaultServeFlags, until } from '../../../../test/support/wait.ts';
import { mulberry32 } from '@lockstep/engine';
import { liquidityBotEmail, liquidityBotFunding, type LiquidityBot } from './liquidity-bot.ts';

const symbols = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'] as const;

function botOf(server: TestServer): LiquidityBot {
  const bot = server.liquidityBot;
  if (!bot) throw new Error('the liquidity bot is not running');
  return bot;
}

/** The bot's open orders on each market, from the live engine. */
function openCounts(server: TestServer): number[] {
  const reader = server.trading.host.reader;
  return symbols.map((s) => reader.openOrders(botOf(server).account, reader.marketId(s)).length);
}

function bookIsDeep(server: TestServer): boolean {
  const reader = server.trading.host.reader;
  return symbols.every((s) => {
    const depth = reader.depth(reader.marketId(s)!, 20);
    return depth.bids.length >= 5 && depth.asks.length >= 5;
  });
}

async function tradeCount(server: TestServer, symbol: string): Promise<number> {
  const response = await fetch(`${server.url}/v1/markets/${symbol}/trades?limit=5`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { trades: unknown[] }).trades.length;
}

describe.each(backends)('liquidity bot (%s)', (backend) => {
  it('keeps deep books and trades on every demo market, within its order bound, and funds itself once', async () => {
    let server = await startTestServer({ backend, demoBot: true, demoBotIntervalMs: 20 });
    try {
      const bot = botOf(server);
      expect([...bot.funding.values()]).toEqual(Object.keys(liquidityBotFunding).map(() => 'OK'));
      let mostOpen = 0;
      const observe = (): number[] => {
        const counts = openCounts(server);
        mostOpen = Math.max(mostOpen, ...counts);
        return counts;
      };
      await until('books at least 5 levels deep on both sides', () => (observe(), bookIsDeep(server)));
      await until('trades on every market', async () => {
        observe();
        const counts = await Promise.all(symbols.map((s) => tradeCount(server, s)));
        return counts.every((n) => n > 0);
      });
      expect(mostOpen).toBeLessThanOrEqual(bot.openOrdersMax);
      expect(server.trading.host.reader.audit().ok).toBe(true);

      const ticker = (await (await fetch(`${server.url}/v1/markets/BTCUSDT/ticker`)).json()) as {
        count: number;
      };
      expect(ticker.count).toBeGreaterThan(0);

      // Stopped, the bot submits nothing more: the engine state holds still over several intervals.
      await bot.stop();
      const stopped = server.trading.host.reader.stateHash();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.trading.host.reader.stateHash()).toBe(stopped);

      const account = bot.account;
      server = await server.restart();
      const again = botOf(server);
      expect(again.account).toBe(account);
      // The fixed txIds were credited at the first start; the restart credits nothing.
      expect([...again.funding.values()]).toEqual(
        Object.keys(liquidityBotFunding).map(() => 'DEPOSIT_ALREADY_CREDITED'),
      );
      await until('books deep again after the restart', () => bookIsDeep(server));
      expect(Math.max(...openCounts(server))).toBeLessThanOrEqual(again.openOrdersMax);
      expect(server.trading.host.reader.audit().ok).toBe(true);
    } finally {
      await server.dispose();
    }
  });

  it('does not exist when demoBot is off', async () => {
    const server = await startTestServer({ backend });
    try {
      expect(server.liquidityBot).toBeUndefined();
      expect(await server.store.repos.accounts.findByEmail(liquidityBotEmail)).toBeUndefined();
      expect(server.trading.host.reader.depth(0, 5)).toMatchObject({ bids: [], asks: [] });
    } finally {
      await server.dispose();
    }
  });
});

describe('liquidity bot configuration', () => {
  const flags = defaultServeFlags;

  it('is on by default and off with --no-demo-bot', () => {
    expect(resolveConfig().demoBot).toBe(true);
    expect(resolveConfig().demoBotIntervalMs).toBe(1000);
    expect(serveOptionsFrom({ ...flags, demoBot: true }).demoBot).toBe(true);
    expect(serveOptionsFrom({ ...flags, demoBot: false }).demoBot).toBe(false);
  });

  it('draws the same prices from the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 5 }, () => a());
    expect(draws).toEqual(Array.from({ length: 5 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
