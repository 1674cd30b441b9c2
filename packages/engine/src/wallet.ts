import { accountOf, balanceSlot, type Core, type OpenWithdrawal } from './core.ts';
import type { DepositCommand, WithdrawalStepCommand, WithdrawCommand } from './commands.ts';
import { writeDeposit, writeWithdrawal } from './event-writer.ts';
import { WithdrawalStatus } from './order-enums.ts';
import { Result } from './result-codes.ts';

/**
 * Deposits and withdrawals (spec D1, D2) as postings against the world outside the exchange:
 * `externalNet` per asset is what came in minus what went out, and the auditor checks that it
 * equals the sum of every balance, fees included.
 */

const withdrawalSteps: readonly string[] = ['process', 'complete', 'fail', 'cancel'];

function isAccountId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0;
}

/** Credits a confirmed deposit once per transaction id. */
export function deposit(core: Core, cmd: DepositCommand): number {
  if (!isAccountId(cmd.account)) return Result.INVALID_ACCOUNT;
  if (core.assets[cmd.asset] === undefined) return Result.UNKNOWN_ASSET;
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return Result.INVALID_PARAMETER;
  if (typeof cmd.txId !== 'string' || cmd.txId === '') return Result.INVALID_PARAMETER;
  if (core.depositTxIds.has(cmd.txId)) return Result.DEPOSIT_ALREADY_CREDITED;
  if (cmd.amount > Number.MAX_SAFE_INTEGER - core.externalNet[cmd.asset]!) return Result.ASSET_SUPPLY_LIMIT;
  const account = accountOf(core, cmd.account, true)!;
  const slot = balanceSlot(core, account, cmd.asset);
  core.depositTxIds.add(cmd.txId);
  core.externalNet[cmd.asset]! += cmd.amount;
  core.balances.free[slot]! += cmd.amount;
  core.balances.touch(slot);
  writeDeposit(core, cmd.account, cmd.asset, cmd.amount, cmd.txId);
  return Result.OK;
}

/** Opens a withdrawal: amount plus fee move from free to locked; its id is left in lastWithdrawalId. */
export function requestWithdrawal(core: Core, cmd: WithdrawCommand): number {
  if (core.assets[cmd.asset] === undefined) return Result.UNKNOWN_ASSET;
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return Result.INVALID_PARAMETER;
  if (!Number.isSafeInteger(cmd.fee) || cmd.fee < 0) return Result.INVALID_PARAMETER;
  const account = core.accounts.get(cmd.account);
  const slot = account === undefined ? -1 : account.slots[cmd.asset]!;
  const total = cmd.amount + cmd.fee;
  if (slot < 0 || !Number.isSafeInteger(total) || core.balances.free[slot]! < total) {
    return Result.INSUFFICIENT_BALANCE;
  }
  core.balances.free[slot]! -= total;
  core.balances.locked[slot]! += total;
  core.balances.touch(slot);
  const withdrawal: OpenWithdrawal = {
    id: core.nextWithdrawalId++,
    account: cmd.account,
    asset: cmd.asset,
    amount: cmd.amount,
    fee: cmd.fee,
    status: WithdrawalStatus.PENDING,
  };
  core.withdrawals.set(withdrawal.id, withdrawal);
  core.lastWithdrawalId = withdrawal.id;
  writeWithdrawal(core, withdrawal);
  return Result.OK;
}

/**
 * Moves a withdrawal on: pending → processing; pending or processing → completed (amount leaves
 * the exchange, the fee goes to the fee account) or failed (all back to free); pending → cancelled.
 */
export function stepWithdrawal(core: Core, cmd: WithdrawalStepCommand): number {
  if (!withdrawalSteps.includes(cmd.step)) return Result.INVALID_PARAMETER;
  const withdrawal = core.withdrawals.get(cmd.withdrawalId);
  if (withdrawal === undefined) return Result.UNKNOWN_WITHDRAWAL;
  const pending = withdrawal.status === WithdrawalStatus.PENDING;
  if ((cmd.step === 'process' || cmd.step === 'cancel') && !pending) return Result.INVALID_WITHDRAWAL_STATE;
  core.lastWithdrawalId = withdrawal.id;
  if (cmd.step === 'process') {
    withdrawal.status = WithdrawalStatus.PROCESSING;
    writeWithdrawal(core, withdrawal);
    return Result.OK;
  }
  const account = core.accounts.get(withdrawal.account)!;
  const slot = account.slots[withdrawal.asset]!;
  const total = withdrawal.amount + withdrawal.fee;
  core.balances.locked[slot]! -= total;
  core.balances.touch(slot);
  if (cmd.step === 'complete') {
    const feeAccount = accountOf(core, core.options.feeAccountId, true)!;
    const feeSlot = balanceSlot(core, feeAccount, withdrawal.asset);
    core.balances.free[feeSlot]! += withdrawal.fee;
    core.balances.touch(feeSlot);
    core.externalNet[withdrawal.asset]! -= withdrawal.amount;
    withdrawal.status = WithdrawalStatus.COMPLETED;
  } else {
    core.balances.free[slot]! += total;
    withdrawal.status = cmd.step === 'fail' ? WithdrawalStatus.FAILED : WithdrawalStatus.CANCELLED;
  }
  core.withdrawals.delete(withdrawal.id);
  writeWithdrawal(core, withdrawal);
  return Result.OK;
}
