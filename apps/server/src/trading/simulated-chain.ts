import { LockstepError, type ChainBlockView } from '@lockstep/protocol';
import type { Store } from '@lockstep/store';
import type { BotLogger } from './liquidity-bot.ts';
import { depositConfirmations, type WalletService } from './wallet-service.ts';

/**
 * Blocks a withdrawal waits after it is broadcast before it counts as sent (COMPLETED): the chain
 * could still drop it until then.
 */
export const withdrawalConfirmations = 2;

/** Node's timers cannot wait longer (a longer delay fires after 1 ms). */
const timerMsMax = 2 ** 31 - 1;

/** Deposits and withdrawals one block moves on at most; the rest wait for the next block. */
const blockRowsMax = 1_000;

export interface SimulatedChainOptions {
  wallet: WalletService;
  store: Store;
  /** Time between blocks; 0 mines only when asked (`mine()`, or the operator's route). */
  blockMs: number;
}

type ChainLogger = Pick<BotLogger, 'info' | 'warn'>;

/**
 * The embedded setup's blockchain (D1, D2): every block adds a confirmation to each pending
 * deposit (the wallet credits it at its threshold), broadcasts the withdrawals that have been
 * pending for a whole block (until then the account can still cancel them), and completes those
 * broadcast `withdrawalConfirmations` blocks ago. Every move goes through the wallet, exactly as
 * an operator's would: a step that lost a race (a cancel came first) is skipped, not an error.
 *
 * Which block saw a withdrawal first is kept in memory: after a restart the count starts again, so
 * a withdrawal may take a few blocks longer, never fewer.
 */
export class SimulatedChain {
  private height = 0;
  private readonly pendingSince = new Map<number, number>();
  private readonly broadcastAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private mining: Promise<ChainBlockView> | undefined;
  private stopped = false;
  /** Items whose last move failed, so each failure is logged once, not every block. */
  private readonly failing = new Set<string>();
  /** Where blocks are reported; the server's logger once it exists. */
  log: ChainLogger = { info: () => undefined, warn: () => undefined };

  constructor(private readonly options: SimulatedChainOptions) {}

  /** Starts mining every `blockMs` (nothing when it is 0). */
  start(): void {
    const { blockMs } = this.options;
    if (!Number.isFinite(blockMs) || blockMs < 0 || blockMs > timerMsMax) {
      throw new RangeError(`chainBlockMs must be 0..${timerMsMax}, got ${blockMs}`);
    }
    if (blockMs === 0 || this.timer) return;
    this.timer = setInterval(() => {
      void this.mine().catch((error: unknown) =>
        this.log.warn({ err: error }, 'simulated chain: a block failed; the next one retries'),
      );
    }, blockMs);
    this.timer.unref();
  }

  /** Stops mining; a block under way stops after the item it is on. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.mining?.catch(() => undefined);
  }

  /** Mines one block now; a call while one is being mined gets that block's report. */
  mine(): Promise<ChainBlockView> {
    if (this.stopped) return Promise.reject(new Error('the simulated chain is stopped'));
    this.mining ??= this.mineBlock().finally(() => (this.mining = undefined));
    return this.mining;
  }

  private async mineBlock(): Promise<ChainBlockView> {
    const height = ++this.height;
    const report: ChainBlockView = {
      height,
      depositsConfirmed: 0,
      depositsCredited: 0,
      withdrawalsBroadcast: 0,
      withdrawalsCompleted: 0,
    };
    const { wallet, store } = this.options;
    // Steps whose engine command failed after their rows moved go first, in order.
    await this.attempt('owed engine steps', () => wallet.catchUpEngine());
    for (const deposit of await store.repos.deposits.pending(blockRowsMax)) {
      if (this.stopped) return report;
      // Past the threshold a deposit gains nothing more: only its credit is retried.
      const confirmations = Math.min(
        deposit.confirmations + 1,
        Math.max(deposit.confirmations, depositConfirmations),
      );
      const after = await this.attempt(`deposit ${deposit.id}`, () =>
        wallet.confirmRow(deposit, confirmations),
      );
      if (after && after.confirmations > deposit.confirmations) report.depositsConfirmed += 1;
      if (after?.status === 'CREDITED') report.depositsCredited += 1;
    }
    const open = await store.repos.withdrawals.withStatus(['PENDING', 'PROCESSING'], blockRowsMax);
    const stillOpen = new Set(open.map((w) => w.id));
    for (const id of [...this.pendingSince.keys(), ...this.broadcastAt.keys()]) {
      if (!stillOpen.has(id)) {
        this.pendingSince.delete(id);
        this.broadcastAt.delete(id);
      }
    }
    for (const withdrawal of open) {
      if (this.stopped) return report;
      if (withdrawal.status === 'PENDING') {
        const since = this.pendingSince.get(withdrawal.id);
        if (since === undefined) this.pendingSince.set(withdrawal.id, height);
        else if (since < height && (await this.step(withdrawal.id, 'process'))) {
          this.pendingSince.delete(withdrawal.id);
          this.broadcastAt.set(withdrawal.id, height);
          report.withdrawalsBroadcast += 1;
        }
      } else {
        const at = this.broadcastAt.get(withdrawal.id);
        if (at === undefined) this.broadcastAt.set(withdrawal.id, height);
        else if (height - at >= withdrawalConfirmations && (await this.step(withdrawal.id, 'complete'))) {
          this.broadcastAt.delete(withdrawal.id);
          report.withdrawalsCompleted += 1;
        }
      }
    }
    if (report.depositsConfirmed + report.withdrawalsBroadcast + report.withdrawalsCompleted > 0) {
      this.log.info({ ...report }, 'simulated chain: block mined');
    }
    return report;
  }

  /**
   * Runs one item's move; a failure is logged (once per item) and skipped, so one deposit the
   * engine refuses cannot stop every other deposit and withdrawal behind it.
   */
  private async attempt<T>(item: string, move: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await move();
      this.failing.delete(item);
      return result;
    } catch (error) {
      if (!this.failing.has(item))
        this.log.warn({ err: error, item }, 'simulated chain: a step failed; retried every block');
      this.failing.add(item);
      return undefined;
    }
  }

  /**
   * One wallet step; false when the withdrawal had moved on already (cancelled, or an operator's
   * step) or the step failed (logged by `attempt`).
   */
  private async step(id: number, step: 'process' | 'complete'): Promise<boolean> {
    const done = await this.attempt(`withdrawal ${id}`, async () => {
      try {
        await this.options.wallet.processorStep(id, step);
        return true;
      } catch (error) {
        if (error instanceof LockstepError && error.code === 'INVALID_WITHDRAWAL_STATE') return false;
        throw error;
      }
    });
    return done === true;
  }
}
