import {
  Engine,
  decodeEvents,
  resultName,
  type AssetConfig,
  type Command,
  type EngineEvent,
  type EngineSnapshot,
  type MarketConfig,
  type OrderEvent,
  type ResultName,
} from '@lockstep/engine';
import { GroupCommitQueue, type GroupCommitOptions } from './group-commit-queue.ts';

/** What one command did: its result code and the events it caused, in order. */
export interface CommandOutcome {
  code: number;
  result: ResultName;
  /** The order the command created or acted on (0 when none). */
  orderId: number;
  /** The withdrawal the command created or moved on (0 when none). */
  withdrawalId: number;
  events: EngineEvent[];
  /** Journal position of the command. */
  journalSeq: number;
  /**
   * When the command's batch ran: the time of every change it made, in the store, on the streams
   * and in the answer to its request alike.
   */
  at: number;
}

/** One journaled command. */
export interface JournalEntry {
  seq: number;
  command: Command;
}

/** A batch ready to be made durable: its journal entries and every command's outcome. */
export interface CommittedBatch {
  entries: JournalEntry[];
  outcomes: CommandOutcome[];
  /** Every outcome's events, in engine order, gathered once for the batch's consumers. */
  events: EngineEvent[];
  /** When the batch ran; the engine has no clock, so the host stamps its changes. */
  at: number;
}

/**
 * Every event of a batch's outcomes, in engine order. A loop, not `flatMap`: V8's `flatMap` calls
 * into its runtime for each command's list, about 2 % of an order request's server work in all
 * (`bench:orders-instructions`).
 */
function eventsOf(outcomes: readonly CommandOutcome[]): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const outcome of outcomes) for (const event of outcome.events) events.push(event);
  return events;
}

/**
 * Where the host keeps its durable state. `commit` must write the batch's journal entries, its
 * projections and its account events in one transaction, or nothing.
 */
export interface TradingStorePort {
  /**
   * `lastAt`: the time the last committed batch was stamped with (absent or 0 when none).
   * `openOrders`: when each open order was placed, as of the last entry (absent when none).
   */
  load(): Promise<{
    snapshot: { seq: number; state: EngineSnapshot } | null;
    entries: JournalEntry[];
    lastAt?: number;
    openOrders?: ReadonlyArray<{ id: number; placedAt: number }>;
  }>;
  commit(batch: CommittedBatch): Promise<void>;
  saveSnapshot(seq: number, state: EngineSnapshot): Promise<void>;
}

export interface TradingHostOptions {
  assets: readonly AssetConfig[];
  markets: readonly MarketConfig[];
  /** The account that collects fees. */
  feeAccountId: number;
  queue: GroupCommitOptions;
  /** A snapshot is written after this many journal entries, so a restart replays at most that many. */
  snapshotEveryEntries: number;
  now: () => number;
  /**
   * How far back the clock may step and still be held at the last batch's time (default five
   * minutes). A larger step is taken as the clock being right again, and reported.
   */
  clockHoldMaxMs?: number;
  /** Called after each batch is durable, before its commands are answered (public market data). */
  onCommitted?: (batch: CommittedBatch) => void;
  /** What the host observed, for operators' metrics and logs. */
  observer?: TradingHostObserver;
}

/** How long one batch took, split where an operator can act on it. */
export interface BatchTiming {
  commands: number;
  /** Running the commands through the engine and decoding their events (the engine's CPU). */
  runSeconds: number;
  /**
   * `TradingStorePort.commit`: the transaction until durable (the fsync on SQLite), then handing
   * the account events to the live connections.
   */
  storeSeconds: number;
}

/** Callbacks for operators; none of them may throw. */
export interface TradingHostObserver {
  /** After each durable batch. */
  batch(timing: BatchTiming): void;
  /** A batch whose commit failed: none of its commands was acknowledged. */
  commitFailed(error: unknown): void;
  /** After each snapshot written. */
  snapshot(seconds: number): void;
  /** A snapshot that could not be written; its batch stands, and the next batch tries again. */
  snapshotFailed(error: unknown): void;
  /**
   * The clock read earlier than the last batch's time, by `byMs`. `held`: batches keep that time
   * until the clock catches up (reported once per such stretch); otherwise the step was larger
   * than `clockHoldMaxMs` and the clock was taken as it is.
   */
  clockWentBack?(byMs: number, held: boolean): void;
}

/** The default of `TradingHostOptions.clockHoldMaxMs`. */
export const clockHoldMaxMsDefault = 5 * 60_000;

/**
 * Hosts the engine as the single writer of balances and orders: commands are queued, run in
 * batches, made durable in one transaction per batch (group commit), and only then acknowledged.
 * Restart rebuilds the engine from the newest snapshot plus the journal after it; the engine is
 * deterministic, so that is exactly the state before the stop.
 */
export class TradingHost {
  private engine: Engine;
  private readonly queue: GroupCommitQueue<Command, CommandOutcome>;
  private journalSeq = 0;
  private snapshotSeq = 0;
  /** Set when a commit failed after the engine ran: the engine must be rebuilt from the store. */
  private diverged = false;
  /**
   * The time the last batch was stamped with. While the clock reads earlier (an NTP step back, a
   * VM restored from a snapshot), by up to `clockHoldMaxMs`, batches keep this time, so order and
   * trade times do not go back: within a symbol a later trade id has a time at least as late,
   * which trade history relies on to page by id and order by time. The bound keeps one bad reading
   * far in the future from freezing every later time (and candles) until the clock gets there.
   */
  private lastAt = 0;
  /** Whether batches are being held at `lastAt` now (so a stretch is reported once). */
  private clockHeld = false;
  /**
   * When each open order was placed. Every later event of an order carries that time
   * (`OrderEvent.placedAt`), as the order's stored row does; a closed order's entry is dropped.
   */
  private placedAt = new Map<number, number>();

  private constructor(
    private readonly port: TradingStorePort,
    private readonly options: TradingHostOptions,
  ) {
    this.engine = TradingHost.freshEngine(options);
    this.queue = new GroupCommitQueue((commands) => this.runBatch(commands), options.queue);
  }

  /** Loads the durable state and returns a host ready to take commands. */
  static async start(port: TradingStorePort, options: TradingHostOptions): Promise<TradingHost> {
    const host = new TradingHost(port, options);
    await host.rebuild();
    return host;
  }

  /** The engine, for reads (depth, open orders, balances). Never execute commands on it directly. */
  get reader(): Engine {
    return this.engine;
  }

  /** Queues a command; resolves once its batch is durable. */
  submit(command: Command): Promise<CommandOutcome> {
    return this.queue.submit(command);
  }

  /**
   * The time the last batch was stamped with. While the clock is held after a step back it is
   * later than the clock, and the newest trades carry it.
   */
  get lastBatchAt(): number {
    return this.lastAt;
  }

  /** Commands waiting for a batch (the one being committed not counted). */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Lets queued commands finish and refuses new ones. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private static freshEngine(options: TradingHostOptions): Engine {
    const engine = new Engine({ feeAccountId: options.feeAccountId });
    for (const asset of options.assets) engine.addAsset(asset);
    for (const market of options.markets) engine.addMarket(market);
    return engine;
  }

  /** Rebuilds the engine from the store: snapshot, then the journal after it, then an audit. */
  private async rebuild(): Promise<void> {
    const { snapshot, entries, lastAt, openOrders } = await this.port.load();
    this.lastAt = lastAt ?? 0;
    this.placedAt = new Map(openOrders?.map((o) => [o.id, o.placedAt]));
    this.engine = snapshot ? Engine.fromSnapshot(snapshot.state) : TradingHost.freshEngine(this.options);
    this.snapshotSeq = snapshot?.seq ?? 0;
    this.journalSeq = this.snapshotSeq;
    for (const entry of entries) {
      if (entry.seq !== this.journalSeq + 1)
        throw new Error(`journal gap: ${this.journalSeq} then ${entry.seq}`);
      this.engine.execute(entry.command);
      this.engine.events.clear();
      this.journalSeq = entry.seq;
    }
    const report = this.engine.audit();
    if (!report.ok) throw new Error(`engine state fails audit after restart: ${report.problems.join('; ')}`);
    this.diverged = false;
  }

  /** The time of the next batch: the clock, held at the last batch's time across a small step back. */
  private stamp(): number {
    const now = this.options.now();
    const behind = this.lastAt - now;
    if (behind <= 0 || behind > (this.options.clockHoldMaxMs ?? clockHoldMaxMsDefault)) {
      if (behind > 0) this.options.observer?.clockWentBack?.(behind, false);
      this.clockHeld = false;
      this.lastAt = now;
      return now;
    }
    if (!this.clockHeld) this.options.observer?.clockWentBack?.(behind, true);
    this.clockHeld = true;
    return this.lastAt;
  }

  private async runBatch(commands: readonly Command[]): Promise<CommandOutcome[]> {
    if (this.diverged) await this.rebuild();
    const startSeq = this.journalSeq;
    const at = this.stamp();
    const started = performance.now();
    const outcomes = commands.map((command) => this.run(command, at));
    const entries = outcomes.map((outcome, i) => ({ seq: outcome.journalSeq, command: commands[i]! }));
    const batch = { entries, outcomes, events: eventsOf(outcomes), at };
    const ran = performance.now();
    const observer = this.options.observer;
    try {
      await this.port.commit(batch);
    } catch (error) {
      // The engine ran commands the store does not have; rebuild it before the next batch.
      this.diverged = true;
      this.journalSeq = startSeq;
      observer?.commitFailed(error);
      throw error;
    }
    observer?.batch({
      commands: commands.length,
      runSeconds: (ran - started) / 1000,
      storeSeconds: (performance.now() - ran) / 1000,
    });
    if (this.journalSeq - this.snapshotSeq >= this.options.snapshotEveryEntries) await this.saveSnapshot();
    // Public market data goes out only for what is durable, like the account streams.
    this.options.onCommitted?.(batch);
    return outcomes;
  }

  /**
   * Writes a snapshot at the current journal position. A failure fails no command: the batch is
   * durable and its commands stand (failing them would tell clients that live orders were refused),
   * and the next batch tries again; a restart meanwhile replays a longer journal.
   */
  private async saveSnapshot(): Promise<void> {
    const seq = this.journalSeq;
    const started = performance.now();
    try {
      await this.port.saveSnapshot(seq, this.engine.exportState());
      this.snapshotSeq = seq;
      this.options.observer?.snapshot((performance.now() - started) / 1000);
    } catch (error) {
      this.options.observer?.snapshotFailed(error);
    }
  }

  /** An order's first event is its placement; it stays in `placedAt` while the order is open. */
  private stampPlacement(event: OrderEvent, at: number): void {
    const open = event.status === 'NEW' || event.status === 'PARTIALLY_FILLED';
    const placedAt = this.placedAt.get(event.orderId);
    if (placedAt === undefined) {
      event.placedAt = at;
      if (open) this.placedAt.set(event.orderId, at);
    } else {
      event.placedAt = placedAt;
      if (!open) this.placedAt.delete(event.orderId);
    }
  }

  private run(command: Command, at: number): CommandOutcome {
    const code = this.engine.execute(command);
    const events = decodeEvents(this.engine.events);
    this.engine.events.clear();
    for (const event of events) if (event.kind === 'order') this.stampPlacement(event, at);
    // Every command is journaled, rejections too: replaying them is harmless (they change nothing),
    // and it keeps replay exact even if some command changes state without an event.
    const journalSeq = ++this.journalSeq;
    return {
      code,
      result: resultName(code),
      orderId: this.engine.lastOrderId,
      withdrawalId: this.engine.lastWithdrawalId,
      events,
      journalSeq,
      at,
    };
  }
}
