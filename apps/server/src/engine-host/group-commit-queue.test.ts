import { describe, expect, it } from 'vitest';
import { GroupCommitQueue, QueueRefusal } from './group-commit-queue.ts';

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
  it('groups commands that arrive during a commit into the next batch, in order', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 100, queueLengthMax: 1000 });
    const first = queue.submit(1);
    const rest = [2, 3, 4, 5].map((n) => queue.submit(n));
    await runner.releaseNext();
    expect(await first).toBe(10);
    await runner.releaseNext();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(runner.batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('acknowledges nothing before its batch committed', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 10, queueLengthMax: 10 });
    let settled = false;
    const result = queue.submit(7).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await runner.releaseNext();
    expect(await result).toBe(70);
  });

  it('caps batches at batchSizeMax and refuses beyond queueLengthMax', async () => {
    const runner = controllableRunner();
    const queue = new GroupCommitQueue(runner.run, { batchSizeMax: 2, queueLengthMax: 3 });
    const accepted = [queue.submit(1), queue.submit(2), queue.submit(3), queue.submit(4)];
    // 1 is committing; 2, 3, 4 wait; 5 is one too many.
    await expect(queue.submit(5)).rejects.toEqual(new QueueRefusal('full'));
    for (let i = 0; i < 3; i += 1) await runner.releaseNext();
    expect(await Promise.all(accepted)).toEqual([10, 20, 30, 40]);
    expect(runner.batches).toEqual([[1], [2, 3], [4]]);
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
    await runner.releaseNext();
    await closing;
    expect(await Promise.all(pending)).toEqual([10, 20]);
  });
});
