import { describe, expect, it } from 'vitest';
import { readAdminToken } from '@lockstep/server';
import { loginDevice, registerAccount, startTestServer, steppedUp } from '../../../../test/support/server.ts';
import { resolveConfig } from '../config.ts';
import { serveOptionsFrom } from '../serve.ts';
import { fund } from '../../../../test/support/trading.ts';
import { defaultServeFlags, until } from '../../../../test/support/wait.ts';

describe('simulated chain', () => {
  it('mines on its own timer when the server runs with a block time', async () => {
    const server = await startTestServer({ chainBlockMs: 20 });
    try {
      const admin = readAdminToken(server.dataDir);
      const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
      const { address } = await alice.depositAddress('BTC');
      await alice.adminChainDeposit(admin, { address, amount: '0.5', txId: 'tx-timer' });
      await fund(server, alice, 'USDT', 100 * 1e8);
      const { withdrawal } = await alice.withdraw({ asset: 'USDT', amount: '10', address: 'ext-timer' });
      // Nothing but the chain's own blocks moves them on.
      await until(
        'the deposit credited',
        async () => (await alice.deposits()).deposits[0]?.status === 'CREDITED',
      );
      await until(
        'the withdrawal completed',
        async () =>
          (await alice.withdrawals()).withdrawals.find((w) => w.id === withdrawal.id)?.status === 'COMPLETED',
      );
      expect(server.trading.host.reader.audit().ok).toBe(true);
    } finally {
      await server.dispose();
    }
  });

  it('mines every 5 s by default, and only on request with --block-seconds 0', () => {
    const flags = defaultServeFlags;
    expect(resolveConfig().chainBlockMs).toBe(5_000);
    expect(serveOptionsFrom(flags).chainBlockMs).toBe(5_000);
    expect(serveOptionsFrom({ ...flags, blockSeconds: '0' }).chainBlockMs).toBe(0);
    expect(serveOptionsFrom({ ...flags, blockSeconds: '0.5' }).chainBlockMs).toBe(500);
    for (const bad of ['-1', 'soon', '']) {
      expect(() => serveOptionsFrom({ ...flags, blockSeconds: bad })).toThrow(/--block-seconds/);
    }
  });
});
