import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockstepClient } from '@lockstep/sdk';
import type { AccountEvent } from '@lockstep/protocol';
import { readAdminToken } from '@lockstep/server';
import {
  backends,
  loginDevice,
  steppedUp,
  registerAccount,
  startTestServer,
  type TestServer,
} from '../support/server.ts';
import { codeOf, fund } from '../support/trading.ts';

describe.each(backends)('wallet through the API (%s)', (backend) => {
  let server: TestServer;
  let admin: string;
  beforeEach(async () => {
    server = await startTestServer({ backend });
    admin = readAdminToken(server.dataDir);
  });
  afterEach(async () => {
    await server.dispose();
  });

  const audited = () => expect(server.trading.host.reader.audit().ok).toBe(true);
  const balanceOf = async (client: LockstepClient, asset: string) =>
    (await client.balances()).balances.find((b) => b.asset === asset) ?? { asset, free: '0', locked: '0' };

  /** A stepped-up account whose stream is followed, every event kept. */
  const followedAccount = async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    const live = alice.connect();
    const seen: AccountEvent[] = [];
    live.on('event', (e) => seen.push(e));
    await live.next('hello');
    return { alice, live, seen };
  };

  it('gives each account one stable address per asset', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    const bob = await loginDevice(server, await registerAccount(server), 'web');
    const first = await alice.depositAddress('USDT');
    expect(first.address).toMatch(/^lsdep_[0-9a-f]{32}$/);
    expect(await alice.depositAddress('USDT')).toEqual(first);
    expect((await alice.depositAddress('BTC')).address).not.toBe(first.address);
    expect((await bob.depositAddress('USDT')).address).not.toBe(first.address);
    expect(await codeOf(alice.depositAddress('DOGE'))).toBe('400 UNKNOWN_ASSET asset');
  });

  it('credits a deposit once after N confirmations, streaming each change', async () => {
    const { alice, live, seen } = await followedAccount();
    const { address } = await alice.depositAddress('USDT');
    const seenTx = await alice.adminChainDeposit(admin, { address, amount: '250.5', txId: 'tx-1' });
    expect(seenTx.deposit).toMatchObject({ status: 'PENDING', confirmations: 0, amount: '250.50000000' });
    expect((await alice.adminConfirmDeposit(admin, 'tx-1', 2)).deposit.status).toBe('PENDING');
    expect((await balanceOf(alice, 'USDT')).free).toBe('0');
    const credited = live.next(
      'event',
      (e) => e.type === 'deposit.updated' && e.data.deposit.status === 'CREDITED',
    );
    expect((await alice.adminConfirmDeposit(admin, 'tx-1', 3)).deposit.status).toBe('CREDITED');
    await credited;
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '250.50000000', locked: '0.00000000' });
    // Replays and further confirmations credit nothing.
    await alice.adminChainDeposit(admin, { address, amount: '250.5', txId: 'tx-1', confirmations: 9 });
    await alice.adminConfirmDeposit(admin, 'tx-1', 12);
    expect((await balanceOf(alice, 'USDT')).free).toBe('250.50000000');
    // Confirmed on arrival: credited at once.
    await alice.adminChainDeposit(admin, { address, amount: '1', txId: 'tx-2', confirmations: 5 });
    expect((await balanceOf(alice, 'USDT')).free).toBe('251.50000000');
    const { deposits } = await alice.deposits();
    expect(deposits.map((d) => [d.txId, d.status])).toEqual([
      ['tx-2', 'CREDITED'],
      ['tx-1', 'CREDITED'],
    ]);
    expect((await alice.deposits({ limit: 1, beforeId: deposits[0]!.id })).deposits[0]!.txId).toBe('tx-1');
    expect(seen.filter((e) => e.type === 'deposit.updated').length).toBeGreaterThanOrEqual(3);
    audited();
    live.close();
  });

  it('repairs withdrawals interrupted between the row and the engine when the server restarts', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    await fund(server, alice, 'USDT', 1_000 * 1e8);
    const accountId = (await alice.me()).account.id;
    const usdt = server.trading.host.reader.assetId('USDT')!;
    // 1. The engine locked funds for a withdrawal but the stop came before its row was written.
    const orphan = await server.trading.submit({
      kind: 'withdraw',
      account: accountId,
      asset: usdt,
      amount: 100 * 1e8,
      fee: 1e8,
    });
    expect(orphan.result).toBe('OK');
    // 2. A row moved to COMPLETED but the stop came before the engine heard of it.
    const { withdrawal } = await alice.withdraw({ asset: 'USDT', amount: '50', address: 'external-addr-1' });
    await server.store.repos.withdrawals.setStatus(withdrawal.id, ['PENDING'], 'PROCESSING', Date.now());
    await server.store.repos.withdrawals.setStatus(withdrawal.id, ['PROCESSING'], 'COMPLETED', Date.now());
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ locked: '152.00000000' });

    server = await server.restart();
    // The orphan's funds are back, and the completed withdrawal left the account for good.
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '949.00000000', locked: '0.00000000' });
    expect(server.trading.host.reader.exportState().withdrawals).toEqual([]);
    audited();
  });

  it('credits confirmed pending deposits when the server restarts', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    const { address } = await alice.depositAddress('BTC');
    await alice.adminChainDeposit(admin, { address, amount: '0.5', txId: 'tx-restart', confirmations: 1 });
    // A stop between the row and the credit: the row is confirmed, the engine never heard of it.
    const row = await server.store.repos.deposits.findByTxId('tx-restart');
    await server.store.repos.deposits.setConfirmations(row!.id, 3);
    server = await server.restart();
    expect((await balanceOf(alice, 'BTC')).free).toBe('0.50000000');
    expect((await alice.deposits()).deposits[0]!.status).toBe('CREDITED');
    audited();
  });

  it('locks amount plus fee, returns it on cancel and on failure, removes it on completion', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    await fund(server, alice, 'USDT', 1000 * 1e8);
    const request = { asset: 'USDT', amount: '100', address: 'ext-addr-1' };

    const canceled = (await alice.withdraw(request)).withdrawal;
    expect(canceled).toMatchObject({ status: 'PENDING', amount: '100.00000000', fee: '1.00000000' });
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '899.00000000', locked: '101.00000000' });
    audited();
    expect((await alice.cancelWithdrawal(canceled.id)).withdrawal.status).toBe('CANCELED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '1000.00000000', locked: '0.00000000' });
    expect(await codeOf(alice.cancelWithdrawal(canceled.id))).toBe('409 INVALID_WITHDRAWAL_STATE id');
    audited();

    const completed = (await alice.withdraw(request)).withdrawal;
    expect((await alice.adminWithdrawalStep(admin, completed.id, 'process')).withdrawal.status).toBe(
      'PROCESSING',
    );
    expect(await codeOf(alice.cancelWithdrawal(completed.id))).toBe('409 INVALID_WITHDRAWAL_STATE id');
    audited();
    expect((await alice.adminWithdrawalStep(admin, completed.id, 'complete')).withdrawal.status).toBe(
      'COMPLETED',
    );
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '899.00000000', locked: '0.00000000' });
    audited();

    const failed = (await alice.withdraw(request)).withdrawal;
    await alice.adminWithdrawalStep(admin, failed.id, 'process');
    expect((await alice.adminWithdrawalStep(admin, failed.id, 'fail')).withdrawal.status).toBe('FAILED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '899.00000000', locked: '0.00000000' });
    audited();

    const { withdrawals } = await alice.withdrawals();
    expect(withdrawals.map((w) => w.status)).toEqual(['FAILED', 'COMPLETED', 'CANCELED']);
    expect((await alice.withdrawals({ status: 'COMPLETED' })).withdrawals).toHaveLength(1);
  });

  it('the simulated chain confirms deposits and sends withdrawals block by block', async () => {
    const { alice, live, seen } = await followedAccount();
    const { address } = await alice.depositAddress('USDT');
    await alice.adminChainDeposit(admin, { address, amount: '500', txId: 'tx-chain' });
    const depositStatus = async () => (await alice.deposits()).deposits[0]!;

    // Three blocks, three confirmations; credited on the third, once.
    expect((await alice.adminMineBlock(admin)).block).toMatchObject({ height: 1, depositsConfirmed: 1 });
    expect(await depositStatus()).toMatchObject({ status: 'PENDING', confirmations: 1 });
    await alice.adminMineBlock(admin);
    expect((await balanceOf(alice, 'USDT')).free).toBe('0');
    expect((await alice.adminMineBlock(admin)).block).toMatchObject({
      depositsConfirmed: 1,
      depositsCredited: 1,
    });
    expect(await depositStatus()).toMatchObject({ status: 'CREDITED', confirmations: 3 });
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '500.00000000' });
    expect((await alice.adminMineBlock(admin)).block.depositsConfirmed).toBe(0);

    // A withdrawal waits a whole block (cancellable), is broadcast, then completes after 2 more.
    const request = { asset: 'USDT', amount: '100', address: 'ext-chain' };
    const sent = (await alice.withdraw(request)).withdrawal;
    const cancelled = (await alice.withdraw(request)).withdrawal;
    const statusOf = async (id: number) =>
      (await alice.withdrawals()).withdrawals.find((w) => w.id === id)!.status;
    expect((await alice.adminMineBlock(admin)).block.withdrawalsBroadcast).toBe(0);
    expect(await statusOf(sent.id)).toBe('PENDING');
    expect((await alice.cancelWithdrawal(cancelled.id)).withdrawal.status).toBe('CANCELED');
    expect((await alice.adminMineBlock(admin)).block.withdrawalsBroadcast).toBe(1);
    expect(await statusOf(sent.id)).toBe('PROCESSING');
    expect(await codeOf(alice.cancelWithdrawal(sent.id))).toBe('409 INVALID_WITHDRAWAL_STATE id');
    expect((await alice.adminMineBlock(admin)).block.withdrawalsCompleted).toBe(0);
    const completedOnStream = live.next(
      'event',
      (e) => e.type === 'withdrawal.updated' && e.data.withdrawal.status === 'COMPLETED',
    );
    expect((await alice.adminMineBlock(admin)).block.withdrawalsCompleted).toBe(1);
    expect(await statusOf(sent.id)).toBe('COMPLETED');
    expect(await statusOf(cancelled.id)).toBe('CANCELED');
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '399.00000000', locked: '0.00000000' });
    audited();

    // The account's stream carried every step, in order.
    await completedOnStream;
    const steps = seen.flatMap((e) =>
      e.type === 'deposit.updated'
        ? [`deposit ${e.data.deposit.status} ${e.data.deposit.confirmations}`]
        : e.type === 'withdrawal.updated' && e.data.withdrawal.id === sent.id
          ? [`withdrawal ${e.data.withdrawal.status}`]
          : [],
    );
    expect(steps).toEqual([
      'deposit PENDING 0',
      'deposit PENDING 1',
      'deposit PENDING 2',
      'deposit PENDING 3',
      'deposit CREDITED 3',
      'withdrawal PENDING',
      'withdrawal PROCESSING',
      'withdrawal COMPLETED',
    ]);
    live.close();
  });

  it('owes the engine a step it could not take after the row moved, and the next block pays it', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    await fund(server, alice, 'USDT', 1000 * 1e8);
    const { withdrawal } = await alice.withdraw({ asset: 'USDT', amount: '100', address: 'ext-owed' });
    const engineStatus = () =>
      server.trading.host.reader.exportState().withdrawals.find((w) => w.id === Number(withdrawal.id))
        ?.status;
    // The engine refuses every withdrawal step for a while, as when its queue is full.
    const submit = server.trading.submit.bind(server.trading);
    let engineDown = true;
    server.trading.submit = (command) =>
      command.kind === 'withdrawalStep' && engineDown
        ? Promise.reject(new Error('the engine queue is full; retry shortly'))
        : submit(command);
    // The row moved, so the answer says so; the engine still holds the withdrawal as pending.
    expect((await alice.adminWithdrawalStep(admin, withdrawal.id, 'process')).withdrawal.status).toBe(
      'PROCESSING',
    );
    expect(engineStatus()).toBe(0);
    await alice.adminMineBlock(admin);
    expect(engineStatus()).toBe(0);
    engineDown = false;
    await alice.adminMineBlock(admin);
    expect(engineStatus()).toBe(1);
    // Broadcast since the first of these blocks: two confirmations later it is sent.
    expect((await alice.adminMineBlock(admin)).block.withdrawalsCompleted).toBe(1);
    expect(engineStatus()).toBeUndefined();
    expect(await balanceOf(alice, 'USDT')).toMatchObject({ free: '899.00000000', locked: '0.00000000' });
    audited();
  });

  it('lets exactly one of a racing cancel and process win', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    await fund(server, alice, 'BTC', 10 * 1e8);
    for (let round = 0; round < 5; round += 1) {
      const { withdrawal } = await alice.withdraw({ asset: 'BTC', amount: '0.1', address: 'ext-btc' });
      const outcomes = await Promise.all([
        codeOf(alice.cancelWithdrawal(withdrawal.id)),
        codeOf(alice.adminWithdrawalStep(admin, withdrawal.id, 'process')),
      ]);
      expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
      expect(outcomes.filter((o) => o === '409 INVALID_WITHDRAWAL_STATE id')).toHaveLength(1);
      audited();
    }
    // Whatever won, the engine's locks match the rows that are still open.
    const open = (await alice.withdrawals({ status: 'PROCESSING' })).withdrawals.length;
    expect((await balanceOf(alice, 'BTC')).locked).toBe((open * 0.1002).toFixed(8));
  });

  it('refuses bad withdrawal and deposit inputs with codes naming the field', async () => {
    const alice = await steppedUp(await loginDevice(server, await registerAccount(server), 'desktop'));
    await fund(server, alice, 'ETH', 1e8);
    const withdraw = (asset: string, amount: string) =>
      codeOf(alice.withdraw({ asset, amount, address: 'ext-eth' }));
    expect(await withdraw('DOGE', '1')).toBe('400 UNKNOWN_ASSET asset');
    expect(await withdraw('ETH', '0.000000001')).toMatch(/^400 \w+ amount$/);
    expect(await withdraw('ETH', '-1')).toMatch(/^400 \w+ amount$/);
    expect(await withdraw('ETH', '0')).toMatch(/^400 \w+ amount$/);
    expect(await withdraw('ETH', '99999999999999999999999')).toMatch(/^400 \w+ amount$/);
    expect(await withdraw('ETH', '0.999')).toBe('400 INSUFFICIENT_BALANCE amount');
    expect(await withdraw('ETH', '0.998')).toBe('accepted');
    expect(await codeOf(alice.cancelWithdrawal(999_999))).toBe('404 UNKNOWN_WITHDRAWAL id');
    const { address } = await alice.depositAddress('ETH');
    const chain = (body: { address: string; amount: string; txId: string }) =>
      codeOf(alice.adminChainDeposit(admin, body));
    expect(await chain({ address: 'lsdep_nobody', amount: '1', txId: 'a' })).toBe(
      '400 VALIDATION_FAILED address',
    );
    expect(await chain({ address, amount: '0', txId: 'b' })).toMatch(/^400 \w+ amount$/);
    expect(await chain({ address, amount: '0.000000001', txId: 'c' })).toMatch(/^400 \w+ amount$/);
    expect(await codeOf(alice.adminChainDeposit('wrong', { address, amount: '1', txId: 'd' }))).toBe(
      '401 UNAUTHENTICATED',
    );
    expect(await codeOf(alice.adminConfirmDeposit(admin, 'missing', 3))).toBe('404 NOT_FOUND txId');
    audited();
  });
});
