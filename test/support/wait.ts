import type { ServeFlags } from '../../apps/server/src/serve.ts';

/**
 * Polls `check` until it holds; fails naming `what` after a bounded number of attempts. For what a
 * server does on its own timers (the liquidity bot, the simulated chain): the test asserts the
 * state reached, never how long it took.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  attempts = 500,
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The flags `lockstep serve` gets with no option given, for tests of what one option changes. */
export const defaultServeFlags: ServeFlags = {
  port: '0',
  host: '127.0.0.1',
  data: '.',
  idleDays: '30',
  maxDays: '90',
  logLevel: 'info',
};
