import { expect } from 'vitest';
import { LockstepApiError, type LockstepClient } from '@lockstep/sdk';
import { loginDevice, registerAccount, type TestServer } from './server.ts';

/** Credits a confirmed deposit straight through the engine host, as the simulated chain will. */
export async function fund(
  server: TestServer,
  client: LockstepClient,
  asset: string,
  amount: number,
): Promise<void> {
  const account = (await client.me()).account.id;
  const outcome = await server.trading.submit({
    kind: 'deposit',
    account,
    asset: server.trading.host.reader.assetId(asset)!,
    amount,
    txId: `tx-${account}-${asset}`,
  });
  expect(outcome.result).toBe('OK');
}

/** Two signed-in traders: Alice (desktop) with 100,000 USDT, Bob (web) with 2 BTC. */
export async function fundedPair(
  server: TestServer,
): Promise<{ alice: LockstepClient; bob: LockstepClient }> {
  const alice = await loginDevice(server, await registerAccount(server), 'desktop');
  const bob = await loginDevice(server, await registerAccount(server), 'web');
  await fund(server, alice, 'USDT', 100_000 * 1e8);
  await fund(server, bob, 'BTC', 2 * 1e8);
  return { alice, bob };
}

/** `status CODE field` of a refused request, or 'accepted' — one string, easy to compare. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof LockstepApiError
    ? `${error.status} ${error.code} ${error.field ?? ''}`.trim()
    : 'accepted';
}
