import { beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import { BTC, eventsOf, step, testEngine, USDT } from './testing/fixture.ts';

describe('deposits', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
  });

  it('credits a deposit once per transaction id', () => {
    const first = step(engine, { kind: 'deposit', account: 5, asset: BTC, amount: 1_000, txId: 'tx-1' });
    expect(first.result).toBe('OK');
    expect(eventsOf(first, 'deposit')).toEqual([
      { kind: 'deposit', account: 5, asset: BTC, amount: 1_000, txId: 'tx-1' },
    ]);
    expect(eventsOf(first, 'balance')).toEqual([
      { kind: 'balance', account: 5, asset: BTC, free: 1_000, locked: 0 },
    ]);
    expect(step(engine, { kind: 'deposit', account: 5, asset: BTC, amount: 1_000, txId: 'tx-1' })).toEqual({
      result: 'DEPOSIT_ALREADY_CREDITED',
      events: [],
    });
    expect(engine.balance(5, BTC).free).toBe(1_000);
  });

  it('keeps idempotency across export and import', () => {
    step(engine, { kind: 'deposit', account: 5, asset: BTC, amount: 1_000, txId: 'tx-1' });
    const restored = (engine.constructor as typeof import('./engine.ts').Engine).fromSnapshot(
      engine.exportState(),
    );
    expect(restored.execute({ kind: 'deposit', account: 5, asset: BTC, amount: 1_000, txId: 'tx-1' })).toBe(
      2,
    );
  });

  it('refuses deposits it cannot represent exactly or that make no sense', () => {
    step(engine, {
      kind: 'deposit',
      account: 5,
      asset: BTC,
      amount: Number.MAX_SAFE_INTEGER - 10,
      txId: 'big',
    });
    expect(step(engine, { kind: 'deposit', account: 6, asset: BTC, amount: 11, txId: 'over' }).result).toBe(
      'ASSET_SUPPLY_LIMIT',
    );
    expect(step(engine, { kind: 'deposit', account: 6, asset: BTC, amount: 10, txId: 'fits' }).result).toBe(
      'OK',
    );
    expect(step(engine, { kind: 'deposit', account: 6, asset: 99, amount: 1, txId: 'x' }).result).toBe(
      'UNKNOWN_ASSET',
    );
    expect(step(engine, { kind: 'deposit', account: 6, asset: BTC, amount: 0, txId: 'x' }).result).toBe(
      'INVALID_PARAMETER',
    );
    expect(step(engine, { kind: 'deposit', account: 6, asset: BTC, amount: 1.5, txId: 'x' }).result).toBe(
      'INVALID_PARAMETER',
    );
    expect(step(engine, { kind: 'deposit', account: -1, asset: BTC, amount: 1, txId: 'x' }).result).toBe(
      'INVALID_ACCOUNT',
    );
    expect(step(engine, { kind: 'deposit', account: 6, asset: BTC, amount: 1, txId: '' }).result).toBe(
      'INVALID_PARAMETER',
    );
    expect(engine.audit().problems).toEqual([]);
  });
});

describe('withdrawals', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = testEngine();
    step(engine, { kind: 'deposit', account: 5, asset: USDT, amount: 10_000, txId: 'funds' });
  });

  function request(amount = 7_000, fee = 100): number {
    const outcome = step(engine, { kind: 'withdraw', account: 5, asset: USDT, amount, fee });
    expect(outcome.result).toBe('OK');
    return engine.lastWithdrawalId;
  }

  it('locks amount plus fee while pending, then completes: amount leaves, fee goes to the fee account', () => {
    const id = request();
    expect(engine.balance(5, USDT)).toEqual({ free: 2_900, locked: 7_100 });
    expect(engine.audit().problems).toEqual([]);
    expect(step(engine, { kind: 'withdrawalStep', withdrawalId: id, step: 'process' }).result).toBe('OK');
    expect(step(engine, { kind: 'withdrawalStep', withdrawalId: id, step: 'cancel' }).result).toBe(
      'INVALID_WITHDRAWAL_STATE',
    );
    const done = step(engine, { kind: 'withdrawalStep', withdrawalId: id, step: 'complete' });
    expect(eventsOf(done, 'withdrawal')[0]).toMatchObject({ status: 'COMPLETED', amount: 7_000, fee: 100 });
    expect(engine.balance(5, USDT)).toEqual({ free: 2_900, locked: 0 });
    expect(engine.balance(0, USDT)).toEqual({ free: 100, locked: 0 });
    expect(engine.exportState().externalNet[USDT]).toBe(3_000);
    expect(engine.audit().problems).toEqual([]);
    expect(step(engine, { kind: 'withdrawalStep', withdrawalId: id, step: 'complete' }).result).toBe(
      'UNKNOWN_WITHDRAWAL',
    );
  });

  it('returns everything on failure and on cancellation while pending', () => {
    const failed = request();
    step(engine, { kind: 'withdrawalStep', withdrawalId: failed, step: 'process' });
    expect(
      eventsOf(step(engine, { kind: 'withdrawalStep', withdrawalId: failed, step: 'fail' }), 'withdrawal')[0]!
        .status,
    ).toBe('FAILED');
    const cancelled = request();
    expect(
      eventsOf(
        step(engine, { kind: 'withdrawalStep', withdrawalId: cancelled, step: 'cancel' }),
        'withdrawal',
      )[0]!.status,
    ).toBe('CANCELLED');
    expect(engine.balance(5, USDT)).toEqual({ free: 10_000, locked: 0 });
    expect(engine.audit().problems).toEqual([]);
  });

  it('refuses a withdrawal larger than the free balance', () => {
    expect(step(engine, { kind: 'withdraw', account: 5, asset: USDT, amount: 9_950, fee: 100 }).result).toBe(
      'INSUFFICIENT_BALANCE',
    );
    expect(step(engine, { kind: 'withdraw', account: 6, asset: USDT, amount: 1, fee: 0 }).result).toBe(
      'INSUFFICIENT_BALANCE',
    );
    expect(step(engine, { kind: 'withdraw', account: 5, asset: USDT, amount: 0, fee: 0 }).result).toBe(
      'INVALID_PARAMETER',
    );
  });

  it('keeps pending withdrawals across export and import', () => {
    const id = request();
    const restored = (engine.constructor as typeof import('./engine.ts').Engine).fromSnapshot(
      engine.exportState(),
    );
    expect(restored.execute({ kind: 'withdrawalStep', withdrawalId: id, step: 'cancel' })).toBe(0);
    expect(restored.balance(5, USDT)).toEqual({ free: 10_000, locked: 0 });
  });
});
