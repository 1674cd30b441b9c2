import { describe, expect, it } from 'vitest';
import { GroupCommitQueue, QueueRefusal, turnsPerBatchMax } from './group-commit-queue.ts';

/** A batch runner whose commits finish only when the test says so. */
function controllableRunner() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const run = async (commands: readonly number[]): Promise<number[]> => {
    batches.push([...commands]);
    await new Promise<void>((resolve) => releases.push(resolve));
    return commands.map((c) => c * 10);
  };
  const releaseNext = async (): Promise<void> => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()!();
  };
  return { batches, run, releaseNext };
}

describe('GroupCommitQueue', () => {
  it('groups commands submitted in one turn of the event loop into one batch', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 100, queueLengthMax: 1000 });
    const all = [1, 2, 3].map((n) => queue.submit(n));
    await runner.releaseNext();
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
    expect(runner.batches).toEqual([[1, 2, 3]]);
  });

  it('groups commands that arrive during a commit into the next batch, in order', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 100, queueLengthMax: 1000 });
    const first = queue.submit(1);
    while (runner.batches.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4, 5].map((n) => queue.submit(n));
    await runner.releaseNext();
    expect(await first).toBe(10);
    await runner.releaseNext();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(runner.batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('commands from separate I/O callbacks of one loop turn share a batch, even when commits never yield', async () => {
    // Like the embedded store: the commit settles within microtasks. Node runs microtasks after
    // every I/O callback, so a batch cut at submit time would commit before the next request of
    // the same turn is even read.
    const batches: number[][] = [];
    const queue = new GroupCommitQueue(
      (commands: readonly number[]) => {
        batches.push([...commands]);
        return Promise.resolve(commands.map((c) => -c));
      },
      { batchSizeMax: 100, queueLengthMax: 1000 },
    );
    const results = await new Promise<Array<Promise<number>>>((resolve) => {
      const submitted: Array<Promise<number>> = [];
      for (const n of [1, 2, 3]) setImmediate(() => submitted.push(queue.submit(n)));
      setImmediate(() => resolve(submitted));
    });
    expect(await Promise.all(results)).toEqual([-1, -2, -3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('waits while connections are being accepted, one per turn as libuv does, so a burst shares the first commit', async () => {
    const burst = async (counted: boolean): Promise<number[][]> => {
      const batches: number[][] = [];
      let accepted = 0;
      const queue = new GroupCommitQueue(
        (commands: readonly number[]) => {
          batches.push([...commands]);
          return Promise.resolve(commands.map((c) => c));
        },
        {
          batchSizeMax: 100,
          queueLengthMax: 1000,
          acceptedConnections: counted ? () => accepted : undefined,
        },
      );
      const submitted: Array<Promise<number>> = [queue.submit(0)];
      // Ten connections, accepted one per turn; each sends its command in the turn after.
      await new Promise<void>((resolve) => {
        const acceptNext = (n: number): void => {
          accepted += 1;
          setImmediate(() => submitted.push(queue.submit(n)));
          if (n < 10) setImmediate(() => acceptNext(n + 1));
          else setImmediate(resolve);
        };
        setImmediate(() => acceptNext(1));
      });
      await Promise.all(submitted);
      return batches;
    };
    expect((await burst(true))[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Without the count, the batch is cut after one turn and the burst trickles in batch by batch.
    expect((await burst(false))[0]).toEqual([0]);
  });

  it('a connection count that throws, or never stops growing, cannot stall a batch', async () => {
    let calls = 0;
    for (const acceptedConnections of [
      (): number => {
        throw new Error('no count');
      },
      (): number => (calls += 1),
    ]) {
      const queue = new GroupCommitQueue((commands: readonly number[]) => Promise.resolve([...commands]), {
        batchSizeMax: 10,
        queueLengthMax: 10,
        acceptedConnections,
      });
      expect(await Promise.all([queue.submit(1), queue.submit(2)])).toEqual([1, 2]);
      await queue.close();
    }
    // The growing count was read a bounded number of times: the turns stop at turnsPerBatchMax.
    expect(calls).toBeLessThanOrEqual(2 * turnsPerBatchMax);
  });

  it('caps batches at batchSizeMax and refuses beyond queueLengthMax', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 2, queueLengthMax: 3 });
    const accepted = [queue.submit(1), queue.submit(2), queue.submit(3)];
    // 1, 2 and 3 wait for the first batch; 4 is one too many.
    await expect(queue.submit(4)).rejects.toEqual(new QueueRefusal('full'));
    for (let i = 0; i < 2; i += 1) await runner.releaseNext();
    expect(await Promise.all(accepted)).toEqual([10, 20, 30]);
    expect(runner.batches).toEqual([[1, 2], [3]]);
  });

  it('a failed commit rejects only its own batch, and later batches still run', async () => {
    let call = 0;
    const queue = new GroupCommitQueue<number, number>(
      async (commands) => {
        call += 1;
        await new Promise((resolve) => setImmediate(resolve));
        if (call === 1) throw new Error('disk full');
        return commands.map((c) => c + 1);
      },
      { batchSizeMax: 10, queueLengthMax: 10 },
    );
    const failed = queue.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = queue.submit(2);
    await expect(failed).rejects.toThrow('disk full');
    expect(await later).toBe(3);
  });

  it('close() lets queued commands commit and refuses new ones', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 10, queueLengthMax: 10 });
    const pending = [queue.submit(1), queue.submit(2)];
    const closing = queue.close();
    await expect(queue.submit(3)).rejects.toEqual(new QueueRefusal('closed'));
    await runner.releaseNext();
    await closing;
    expect(await Promise.all(pending)).toEqual([10, 20]);
    expect(runner.batches).toEqual([[1, 2]]);
  });
});
