import { LockstepClient } from '@lockstep/sdk';
import { readAdminToken } from '@lockstep/server';

/**
 * Registers, logs in and funds `count` accounts on the server at `url` (whose data folder holds
 * the admin token); returns their session tokens, in order.
 */
export async function fundedAccounts(url: string, dataDir: string, count: number): Promise<string[]> {
  const adminToken = readAdminToken(dataDir);
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const email = `bench-${i}@example.test`;
    const password = 'violet-Harbor-91-quasar-Lantern';
    const client = new LockstepClient({ baseUrl: url });
    await client.register({ email, password });
    await client.login({ email, password, platform: 'web' });
    await client.adminDeposit(adminToken, { email, asset: 'USDT', amount: '1000000' });
    await client.adminDeposit(adminToken, { email, asset: 'BTC', amount: '100' });
    tokens.push(client.credential!);
  }
  return tokens;
}
