import { describe, expect, it } from 'vitest';
import { LockstepError } from '@lockstep/protocol';
import type { DepositRecord, Store, WithdrawalRecord, WithdrawalStatus } from '@lockstep/store';
import { SimulatedChain } from './simulated-chain.ts';
import type { WalletService } from './wallet-service.ts';

/**
 * The chain against a wallet kept in memory: what each block asks of the wallet, and what it does
 * when the wallet refuses, without a server or a clock.
 */
function harness() {
  const deposits: DepositRecord[] = [];
  const withdrawals: WithdrawalRecord[] = [];
  const calls: string[] = [];
  const refuse = new Set<string>();
  const staleRead: { rows?: WithdrawalRecord[] } = {};
  let blockGate: Promise<void> | undefined;
  const deposit = (id: number, confirmations: number): void => {
    deposits.push({
      id,
      accountId: 1,
      asset: 'BTC',
      amount: 1,
      address: 'a',
      txId: `tx-${id}`,
      confirmations,
      status: 'PENDING',
      createdAt: 0,
      creditedAt: null,
    });
  };
  const withdrawal = (id: number, status: WithdrawalStatus): void => {
    withdrawals.push({
      id,
      accountId: 1,
      asset: 'USDT',
      amount: 1,
      fee: 0,
      address: 'x',
      status,
      engineRef: String(id),
      createdAt: 0,
      updatedAt: 0,
    });
  };
  const wallet = {
    async catchUpEngine() {
      await Promise.resolve();
      calls.push('catch up');
    },
    async confirmRow(read: DepositRecord, confirmations: number) {
      const txId = read.txId;
      await Promise.resolve();
      calls.push(`confirm ${txId} ${confirmations}`);
      if (refuse.has(txId)) throw new Error(`engine refuses ${txId}`);
      const row = deposits.find((d) => d.txId === txId)!;
      row.confirmations = Math.max(row.confirmations, confirmations);
      if (row.confirmations >= 3) row.status = 'CREDITED';
      return { status: row.status, confirmations: row.confirmations };
    },
    async processorStep(id: number, step: 'process' | 'complete') {
      await Promise.resolve();
      calls.push(`${step} ${id}`);
      const row = withdrawals.find((w) => w.id === id)!;
      const from = step === 'process' ? 'PENDING' : 'PROCESSING';
      if (row.status !== from)
        throw new LockstepError('INVALID_WITHDRAWAL_STATE', 'id: moved on', { field: 'id' });
      if (refuse.has(`w${id}`)) throw new Error(`engine refuses w${id}`);
      row.status = step === 'process' ? 'PROCESSING' : 'COMPLETED';
      return {};
    },
  } as unknown as WalletService;
  const store = {
    repos: {
      deposits: {
        async pending() {
          await blockGate;
          return deposits.filter((d) => d.status === 'PENDING').map((d) => ({ ...d }));
        },
      },
      withdrawals: {
        async withStatus(statuses: readonly WithdrawalStatus[]) {
          await Promise.resolve();
          // A read that is already stale when the block acts on it, when a test sets one.
          const rows = staleRead.rows ?? withdrawals;
          return rows.filter((w) => statuses.includes(w.status)).map((w) => ({ ...w }));
        },
      },
    },
  } as unknown as Store;
  const warnings: string[] = [];
  const chain = new SimulatedChain({ wallet, store, blockMs: 0 });
  chain.log = {
    info: () => undefined,
    warn: (details) => warnings.push(String((details as { item: string }).item)),
  };
  const hold = () => {
    let release!: () => void;
    blockGate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      blockGate = undefined;
      release();
    };
  };
  return { chain, deposits, withdrawals, calls, refuse, warnings, deposit, withdrawal, hold, staleRead };
}

describe('simulated chain (unit)', () => {
  it('keeps moving deposits and withdrawals past one the engine refuses, logging it once', async () => {
    const h = harness();
    h.deposit(1, 2);
    h.deposit(2, 0);
    h.withdrawal(7, 'PENDING');
    h.refuse.add('tx-1');
    await h.chain.mine();
    const second = await h.chain.mine();
    expect(second).toMatchObject({ depositsConfirmed: 1, withdrawalsBroadcast: 1 });
    expect(h.deposits[1]!.confirmations).toBe(2);
    expect(h.withdrawals[0]!.status).toBe('PROCESSING');
    await h.chain.mine();
    expect(h.warnings).toEqual(['deposit 1']);
  });

  it('stops adding confirmations at the threshold and only retries the credit', async () => {
    const h = harness();
    h.deposit(1, 3);
    h.refuse.add('tx-1');
    await h.chain.mine();
    await h.chain.mine();
    h.refuse.delete('tx-1');
    expect(await h.chain.mine()).toMatchObject({ depositsConfirmed: 0, depositsCredited: 1 });
    expect(h.calls.filter((c) => c !== 'catch up')).toEqual([
      'confirm tx-1 3',
      'confirm tx-1 3',
      'confirm tx-1 3',
    ]);
  });

  it('skips a withdrawal that moved on after the block read it, and forgets closed ones', async () => {
    const h = harness();
    h.withdrawal(7, 'PENDING');
    h.withdrawal(8, 'PROCESSING');
    await h.chain.mine();
    await h.chain.mine();
    await h.chain.mine();
    expect(h.withdrawals.map((w) => w.status)).toEqual(['PROCESSING', 'COMPLETED']);
    h.withdrawal(10, 'PROCESSING');
    await h.chain.mine();
    h.withdrawal(9, 'PENDING');
    await h.chain.mine();
    const before = h.calls.length + 1;
    // The block still reads 9 as PENDING and 10 as PROCESSING, but the account cancelled 9 and an
    // operator completed 10 in the meantime: both steps lose the race and are skipped quietly.
    h.staleRead.rows = h.withdrawals.map((w) => ({ ...w }));
    h.withdrawals.find((w) => w.id === 9)!.status = 'CANCELED';
    h.withdrawals.find((w) => w.id === 10)!.status = 'COMPLETED';
    expect(await h.chain.mine()).toMatchObject({ withdrawalsBroadcast: 0, withdrawalsCompleted: 0 });
    expect(h.calls.slice(before)).toEqual(['complete 10', 'process 9']);
    expect(h.warnings).toEqual([]);
  });

  it('shares one block between calls that overlap, and stop() waits for it', async () => {
    const h = harness();
    h.deposit(1, 0);
    const release = h.hold();
    const first = h.chain.mine();
    const second = h.chain.mine();
    expect(second).toBe(first);
    const stopping = h.chain.stop();
    release();
    await stopping;
    expect((await first).height).toBe(1);
    await expect(h.chain.mine()).rejects.toThrow('stopped');
  });

  it('refuses a block time Node cannot wait for', () => {
    const h = harness();
    for (const blockMs of [Number.NaN, -1, 2 ** 31]) {
      const chain = new SimulatedChain({ wallet: {} as WalletService, store: {} as Store, blockMs });
      expect(() => chain.start()).toThrow(/chainBlockMs/);
    }
    expect(() => h.chain.start()).not.toThrow();
  });
});
