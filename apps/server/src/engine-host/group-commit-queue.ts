/** Why a command was not taken: the queue is at its bound, or the host is stopping. */
export class QueueRefusal extends Error {
  constructor(readonly reason: 'full' | 'closed') {
    super(reason === 'full' ? 'the engine queue is full; retry shortly' : 'the engine is shutting down');
    this.name = 'QueueRefusal';
  }
}

export interface GroupCommitOptions {
  /** Most commands run and committed together in one batch. */
  batchSizeMax: number;
  /** Most commands waiting (not counting the batch being committed); beyond it submissions are refused. */
  queueLengthMax: number;
  /**
   * How many connections the server has accepted so far. libuv accepts at most one new connection
   * per turn of the event loop since 1.45 (Node 20; libuv#3696), and a batch's commit holds the
   * loop for milliseconds: with one turn per batch a server under load took one connection per
   * commit, and the 64th client of a burst waited about a second for its first answer. While this
   * count grows from one turn to the next, the batch waits another turn (an idle turn costs about
   * 2 µs), so a burst of connections is accepted, and its requests read, before the commit.
   */
  acceptedConnections?: () => number;
}

/** Turns a batch waits at most for connections still being accepted. */
export const turnsPerBatchMax = 64;

/** One turn of the event loop, poll phase included. */
function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Waiting<C, R> {
  command: C;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: commands that arrive while a batch is being committed wait and then go together
 * in the next batch, so one durable commit (one fsync) serves many commands. A command's promise
 * settles only after its batch committed, so nothing is acknowledged that a crash could lose.
 * Order is preserved: batches run one at a time, each in arrival order.
 *
 * A batch is cut only after the event loop has read the sockets (`setImmediate`), never straight
 * from a submit or a finished commit. The embedded store commits synchronously, so without that
 * pause no request could arrive during a commit and every batch would hold a single command,
 * one fsync each; with it, every request read in one turn of the loop shares one commit.
 */
export class GroupCommitQueue<C, R> {
  private waiting: Array<Waiting<C, R>> = [];
  /** How long the last batch took, run and commit: what the next one's wait for accepts is scaled by. */
  private lastBatchMs = 0;
  private running = false;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly runBatch: (commands: readonly C[]) => Promise<readonly R[]>,
    private readonly options: GroupCommitOptions,
  ) {
    const bound = (value: number): boolean => Number.isSafeInteger(value) && value >= 1;
    if (!bound(options.batchSizeMax) || !bound(options.queueLengthMax))
      throw new RangeError('bounds must be whole numbers of at least 1');
  }

  /**
   * Lets the loop read the sockets, then keeps it turning while each turn accepts a connection:
   * for at most `turnsPerBatchMax` turns and at most four times as long as the last batch took
   * (2 ms at least): batches keep at least a fifth of the loop's time through a storm of
   * reconnecting devices, whose every refused handshake would cost them a SYN retry of a second
   * or more (bench:sync, with the last batch's time as the cap, accepted half as fast). A batch started
   * by a request is scheduled from the poll phase, so its first turn reaches the check phase of
   * the same iteration without polling again: accepts are counted from the second.
   */
  private async turnsBeforeBatch(): Promise<void> {
    await loopTurn();
    const accepted = this.options.acceptedConnections;
    if (!accepted) return;
    // A count that cannot be read counts as no growth: the batch is cut, never stalled.
    const count = (): number => {
      try {
        return accepted();
      } catch {
        return -1;
      }
    };
    const deadline = performance.now() + Math.max(2, 4 * this.lastBatchMs);
    let seen: number;
    let turns = 1;
    do {
      seen = count();
      await loopTurn();
      turns += 1;
    } while (count() !== seen && turns < turnsPerBatchMax && performance.now() < deadline);
  }

  /** Commands waiting for a batch. */
  get length(): number {
    return this.waiting.length;
  }

  /** Queues a command; resolves with its result once its batch is durable. */
  submit(command: C): Promise<R> {
    if (this.closed) return Promise.reject(new QueueRefusal('closed'));
    if (this.waiting.length >= this.options.queueLengthMax) return Promise.reject(new QueueRefusal('full'));
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ command, resolve, reject });
      if (!this.running) {
        this.running = true;
        void this.turnsBeforeBatch().then(() => this.drain());
      }
    });
  }

  /** Refuses new commands and resolves once every queued one has been committed or refused. */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.running && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.batchSizeMax);
      const started = performance.now();
      try {
        const results = await this.runBatch(batch.map((w) => w.command));
        if (results.length !== batch.length)
          throw new Error(`batch of ${batch.length} returned ${results.length} results`);
        batch.forEach((w, i) => w.resolve(results[i] as R));
      } catch (error) {
        // The whole batch failed to commit: none of it is acknowledged.
        for (const w of batch) w.reject(error);
      }
      this.lastBatchMs = performance.now() - started;
      // Let the loop read the requests that came in during the commit: they form the next batch.
      if (this.waiting.length > 0) await this.turnsBeforeBatch();
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
