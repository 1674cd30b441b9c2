import { randomBytes } from 'node:crypto';
import { parseUnits } from '@lockstep/engine';
import {
  LockstepError,
  type ChainDepositBody,
  type DepositAddressView,
  type DepositUpdatedEvent,
  type DepositView,
  type WithdrawalUpdatedEvent,
  type WithdrawalView,
  type WithdrawBody,
} from '@lockstep/protocol';
import type { DepositRecord, Repositories, Store, WithdrawalRecord, WithdrawalStatus } from '@lockstep/store';
import { commitWithEvents } from '../services/account-stream.ts';
import { notify } from '../services/notifications.ts';
import type { Principal } from '../services/auth-service.ts';
import type { EventBus } from '../services/event-bus.ts';
import { engineRejection } from './order-request.ts';
import type { TradingService } from './trading-service.ts';
import { isoTime } from '../domain/iso-time.ts';

/** Confirmations the simulated chain needs before a deposit is credited (D1). */
export const depositConfirmations = 3;

/** The fixed withdrawal fee per asset, as a decimal string at the asset's precision (D2). */
export const withdrawalFees: Readonly<Record<string, string>> = { BTC: '0.0002', ETH: '0.002', USDT: '1' };

/** Pending deposits and open withdrawals looked at when the server starts. */
const resumeLimit = 10_000;

/**
 * The security seam of withdrawals: every request passes here before the engine locks any funds,
 * and it throws a LockstepError when the withdrawal must not go ahead (step-up, holds).
 */
export type WithdrawalGuard = (principal: Principal, request: WithdrawBody) => Promise<void>;

/** The steps an operator (the embedded setup's processor) can take on a withdrawal. */
export type ProcessorStep = 'process' | 'complete' | 'fail';

/** Status moves per step: the row's guard decides the winner of racing steps, the engine follows. */
const stepMoves: Record<ProcessorStep | 'cancel', { from: WithdrawalStatus[]; to: WithdrawalStatus }> = {
  process: { from: ['PENDING'], to: 'PROCESSING' },
  complete: { from: ['PROCESSING'], to: 'COMPLETED' },
  fail: { from: ['PROCESSING'], to: 'FAILED' },
  cancel: { from: ['PENDING'], to: 'CANCELED' },
};

/** The engine step that brings an open withdrawal to a row's status. */
const engineStepFor: Partial<Record<WithdrawalStatus, 'process' | 'complete' | 'fail' | 'cancel'>> = {
  PROCESSING: 'process',
  COMPLETED: 'complete',
  FAILED: 'fail',
  CANCELED: 'cancel',
};

/**
 * Deposits and withdrawals (D1, D2). Money moves only through engine commands (submitted through
 * the trading service, acknowledged once durable); the deposit and withdrawal rows, and their
 * events on the account stream, are written with `commitWithEvents`.
 *
 * Ordering, so a restart at any moment converges:
 * - deposits: the row is written first, then the engine credit (idempotent per txId), then the
 *   row is marked CREDITED; `resume()` credits pending rows that have enough confirmations.
 * - withdrawal requests: the engine locks the funds first, then the row is written; `resume()`
 *   fails (returns the funds of) any open engine withdrawal without a row.
 * - withdrawal steps: the row's guarded status change comes first (exactly one of racing steps
 *   wins), then the engine step; `resume()` replays the step of any row the engine lags behind.
 */
export class WalletService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly trading: TradingService,
    private readonly now: () => number,
    private readonly assertWithdrawalAllowed: WithdrawalGuard,
  ) {}

  /** The account's deposit address for the asset, made on first use. */
  async depositAddress(account: number, asset: string): Promise<DepositAddressView> {
    this.assetIndex(asset);
    const row = await this.store.repos.depositAddresses.getOrCreate(
      account,
      asset,
      () => `lsdep_${randomBytes(16).toString('hex')}`,
    );
    return { asset: row.asset, address: row.address };
  }

  async deposits(
    account: number,
    query: { asset?: string; beforeId?: number; limit: number },
    repos: Repositories = this.store.repos,
  ) {
    if (query.asset !== undefined) this.assetIndex(query.asset);
    return (await repos.deposits.page(account, query)).map((d) => this.depositView(d));
  }

  async withdrawals(
    account: number,
    query: { asset?: string; status?: WithdrawalStatus; beforeId?: number; limit: number },
    repos: Repositories = this.store.repos,
  ): Promise<WithdrawalView[]> {
    if (query.asset !== undefined) this.assetIndex(query.asset);
    return (await repos.withdrawals.page(account, query)).map((w) => this.withdrawalView(w));
  }

  /**
   * The simulated chain saw a transfer to `address`: records it as PENDING (once per txId; a
   * replay changes nothing but may raise the confirmations) and credits it once confirmed.
   */
  async chainDeposit(body: ChainDepositBody): Promise<DepositView> {
    const existing = await this.store.repos.deposits.findByTxId(body.txId);
    if (existing) {
      if (body.confirmations !== undefined) return this.confirm(body.txId, body.confirmations);
      return this.depositView(existing);
    }
    const owner = await this.store.repos.depositAddresses.findByAddress(body.address);
    if (!owner) {
      throw new LockstepError('VALIDATION_FAILED', 'address: no account has this deposit address', {
        field: 'address',
      });
    }
    const amount = this.units(owner.asset, body.amount, 'amount');
    const at = this.now();
    let row: DepositRecord;
    try {
      row = await commitWithEvents(this.store, this.bus, at, async (repos, emit) => {
        const inserted = await repos.deposits.insert({
          accountId: owner.accountId,
          asset: owner.asset,
          amount,
          txId: body.txId,
          address: body.address,
          confirmations: body.confirmations ?? 0,
          status: 'PENDING',
          createdAt: at,
          creditedAt: null,
        });
        emit<DepositUpdatedEvent>(inserted.accountId, 'deposit.updated', {
          deposit: this.depositView(inserted),
        });
        return inserted;
      });
    } catch (error) {
      // A concurrent report of the same txId won the unique index: this one is a replay.
      const winner = await this.store.repos.deposits.findByTxId(body.txId);
      if (!winner) throw error;
      return this.depositView(winner);
    }
    return this.creditIfConfirmed(row);
  }

  /** Raises a deposit's confirmations (never lowers them) and credits it once confirmed. */
  async confirm(txId: string, confirmations: number): Promise<DepositView> {
    const row = await this.store.repos.deposits.findByTxId(txId);
    if (!row) throw new LockstepError('NOT_FOUND', `txId: no deposit has this txId`, { field: 'txId' });
    return this.confirmRow(row, confirmations);
  }

  /** `confirm` for a deposit row the caller has just read (the simulated chain's pending list). */
  async confirmRow(row: DepositRecord, confirmations: number): Promise<DepositView> {
    let current = row;
    if (row.status === 'PENDING' && confirmations > row.confirmations) {
      // The row decides: a credit or a higher count that got there first means no event here.
      const raised = await commitWithEvents(this.store, this.bus, this.now(), async (repos, emit) => {
        const updated = await repos.deposits.setConfirmations(row.id, confirmations);
        if (updated) {
          emit<DepositUpdatedEvent>(row.accountId, 'deposit.updated', { deposit: this.depositView(updated) });
        }
        return updated;
      });
      current = raised ?? (await this.store.repos.deposits.findByTxId(row.txId)) ?? row;
    }
    return this.creditIfConfirmed(current);
  }

  /** Requests a withdrawal: the engine locks amount plus fee, then the PENDING row is written. */
  async requestWithdrawal(principal: Principal, body: WithdrawBody): Promise<WithdrawalView> {
    const asset = this.assetIndex(body.asset);
    const amount = this.units(body.asset, body.amount, 'amount');
    const fee = this.units(body.asset, withdrawalFees[body.asset] ?? '0', 'asset');
    await this.assertWithdrawalAllowed(principal, body);
    const account = principal.account.id;
    const outcome = await this.trading.submit({ kind: 'withdraw', account, asset, amount, fee });
    if (outcome.result !== 'OK') throw engineRejection(outcome.code, 'amount');
    const at = this.now();
    return commitWithEvents(this.store, this.bus, at, async (repos, emit) => {
      const row = await repos.withdrawals.insert({
        accountId: account,
        asset: body.asset,
        amount,
        fee,
        address: body.address,
        status: 'PENDING',
        engineRef: String(outcome.withdrawalId),
        createdAt: at,
        updatedAt: at,
      });
      const view = this.withdrawalView(row);
      emit<WithdrawalUpdatedEvent>(account, 'withdrawal.updated', { withdrawal: view });
      return view;
    });
  }

  /** The account cancels one of its withdrawals while it is still pending. */
  async cancelWithdrawal(account: number, id: number): Promise<WithdrawalView> {
    const row = await this.store.repos.withdrawals.get(id);
    if (!row || row.accountId !== account) {
      throw new LockstepError('UNKNOWN_WITHDRAWAL', `id: no withdrawal ${id}`, { field: 'id' });
    }
    return this.step(row, 'cancel');
  }

  /** The processor (an operator in the embedded setup) moves a withdrawal on. */
  async processorStep(id: number, step: ProcessorStep): Promise<WithdrawalView> {
    const row = await this.store.repos.withdrawals.get(id);
    if (!row) throw new LockstepError('UNKNOWN_WITHDRAWAL', `id: no withdrawal ${id}`, { field: 'id' });
    return this.step(row, step);
  }

  /**
   * Brings the engine and the rows together after a restart: credits confirmed pending deposits,
   * returns the funds of engine withdrawals that never got a row, and replays on the engine the
   * status of rows it lags behind.
   */
  async resume(): Promise<void> {
    for (const deposit of await this.store.repos.deposits.pending(resumeLimit)) {
      await this.creditIfConfirmed(deposit);
    }
    const open = this.trading.host.reader.exportState().withdrawals;
    if (open.length === 0) return;
    const rows = new Map<number, WithdrawalRecord>();
    for (const status of ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELED'] as const) {
      // Terminal rows matter only while the engine still holds their withdrawal open.
      for (const row of await this.store.repos.withdrawals.withStatus([status], resumeLimit)) {
        if (row.engineRef !== null) rows.set(Number(row.engineRef), row);
      }
    }
    for (const withdrawal of open) {
      const row = rows.get(withdrawal.id);
      const engineStatus = withdrawal.status === 1 ? 'PROCESSING' : 'PENDING';
      const step = row ? engineStepFor[row.status] : 'fail';
      if (!step || (row && row.status === engineStatus)) continue;
      await this.trading.submit({ kind: 'withdrawalStep', withdrawalId: withdrawal.id, step });
    }
  }

  private async step(row: WithdrawalRecord, step: ProcessorStep | 'cancel'): Promise<WithdrawalView> {
    const move = stepMoves[step];
    const at = this.now();
    const moved = await commitWithEvents(this.store, this.bus, at, async (repos, emit) => {
      const updated = await repos.withdrawals.setStatus(row.id, move.from, move.to, at);
      if (updated) {
        const withdrawal = this.withdrawalView(updated);
        emit<WithdrawalUpdatedEvent>(updated.accountId, 'withdrawal.updated', { withdrawal });
        if (updated.status === 'COMPLETED' || updated.status === 'FAILED') {
          const done = updated.status === 'COMPLETED';
          notify(
            emit,
            updated.accountId,
            {
              kind: done ? 'withdrawal_completed' : 'withdrawal_failed',
              title: done ? 'Withdrawal completed' : 'Withdrawal failed',
              body: done
                ? `${withdrawal.amount} ${withdrawal.asset} was sent to ${withdrawal.address}.`
                : `${withdrawal.amount} ${withdrawal.asset} was not sent; the amount and fee are back in your balance.`,
              ref: { withdrawalId: updated.id },
            },
            at,
          );
        }
      }
      return updated;
    });
    if (!moved) {
      const current = (await this.store.repos.withdrawals.get(row.id)) ?? row;
      throw new LockstepError(
        'INVALID_WITHDRAWAL_STATE',
        `withdrawal ${row.id} is ${current.status}; ${step} needs ${move.from.join(' or ')}`,
        { field: 'id' },
      );
    }
    await this.engineStep(Number(row.engineRef), step);
    return this.withdrawalView(moved);
  }

  /** Engine withdrawals a step is owed to (their rows moved, the engine command failed), steps in order. */
  private readonly lagging = new Map<number, Array<ProcessorStep | 'cancel'>>();

  /**
   * Brings the engine to a row that has moved. If the engine cannot take the command now (its queue
   * is full, a batch failed to commit), the step is owed: the row stays the truth and the funds
   * stay locked until `catchUpEngine` applies it, in order behind any step owed before it.
   */
  private async engineStep(engineRef: number, step: ProcessorStep | 'cancel'): Promise<void> {
    const owed = this.lagging.get(engineRef);
    if (owed) {
      owed.push(step);
      await this.catchUpEngine();
      return;
    }
    try {
      await this.submitEngineStep(engineRef, step);
    } catch (error) {
      if (error instanceof LockstepError) throw error;
      this.lagging.set(engineRef, [step]);
    }
  }

  /**
   * Applies the steps owed to the engine (the simulated chain calls this every block; a restart's
   * `resume()` repairs the same from the rows). A step that fails again stays owed.
   */
  async catchUpEngine(): Promise<void> {
    for (const [engineRef, owed] of this.lagging) {
      while (owed.length > 0) {
        try {
          await this.submitEngineStep(engineRef, owed[0]!);
        } catch (error) {
          // A refusal is final (retrying changes nothing; a restart's resume() reconciles from the
          // rows); anything else may pass next time.
          if (!(error instanceof LockstepError)) break;
        }
        owed.shift();
      }
      if (owed.length === 0) this.lagging.delete(engineRef);
    }
  }

  private async submitEngineStep(engineRef: number, step: ProcessorStep | 'cancel'): Promise<void> {
    const outcome = await this.trading.submit({ kind: 'withdrawalStep', withdrawalId: engineRef, step });
    // The row decided the winner; an engine refusal here means a later step reached the engine
    // first (complete may overtake process: the engine then no longer has the withdrawal open),
    // which leaves the engine where the row already is.
    if (
      outcome.result !== 'OK' &&
      outcome.result !== 'INVALID_WITHDRAWAL_STATE' &&
      outcome.result !== 'UNKNOWN_WITHDRAWAL'
    ) {
      throw engineRejection(outcome.code, 'id');
    }
  }

  private async creditIfConfirmed(row: DepositRecord): Promise<DepositView> {
    if (row.status !== 'PENDING' || row.confirmations < depositConfirmations) return this.depositView(row);
    const outcome = await this.trading.submit({
      kind: 'deposit',
      account: row.accountId,
      asset: this.assetIndex(row.asset),
      amount: row.amount,
      txId: row.txId,
    });
    if (outcome.result !== 'OK' && outcome.result !== 'DEPOSIT_ALREADY_CREDITED') {
      throw engineRejection(outcome.code, 'amount');
    }
    const at = this.now();
    const credited = await commitWithEvents(this.store, this.bus, at, async (repos, emit) => {
      const marked = await repos.deposits.markCredited(row.id, at);
      if (marked) {
        emit<DepositUpdatedEvent>(marked.accountId, 'deposit.updated', { deposit: this.depositView(marked) });
      }
      return marked;
    });
    return this.depositView(credited ?? (await this.store.repos.deposits.findByTxId(row.txId)) ?? row);
  }

  private assetIndex(code: string): number {
    const index = this.trading.host.reader.assetId(code);
    if (index === undefined) throw new LockstepError('UNKNOWN_ASSET', `no asset ${code}`, { field: 'asset' });
    return index;
  }

  private units(asset: string, text: string, field: string): number {
    const decimals = this.trading.host.reader.asset(this.assetIndex(asset))!.decimals;
    const parsed = parseUnits(text, decimals);
    if (parsed.code !== 0) throw engineRejection(parsed.code, field);
    return parsed.value;
  }

  private amount(asset: string, units: number): string {
    return this.trading.presenter.amount(this.assetIndex(asset), units);
  }

  private depositView(d: DepositRecord): DepositView {
    return {
      id: d.id,
      asset: d.asset,
      amount: this.amount(d.asset, d.amount),
      address: d.address,
      txId: d.txId,
      confirmations: d.confirmations,
      status: d.status,
      insertTime: isoTime(d.createdAt),
      creditTime: d.creditedAt === null ? null : isoTime(d.creditedAt),
    };
  }

  private withdrawalView(w: WithdrawalRecord): WithdrawalView {
    return {
      id: w.id,
      asset: w.asset,
      amount: this.amount(w.asset, w.amount),
      fee: this.amount(w.asset, w.fee),
      address: w.address,
      status: w.status,
      applyTime: isoTime(w.createdAt),
      updateTime: isoTime(w.updatedAt),
    };
  }
}
