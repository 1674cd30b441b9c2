import { describe, expect, it } from 'vitest';
import { toAccountEvent } from './account-stream.ts';

describe('toAccountEvent', () => {
  it('gives each event its own time, whatever time the event before it had', () => {
    const times = [0, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 0, 1_700_000_000_000];
    const events = times.map((createdAt, i) =>
      toAccountEvent({ seq: i + 1, type: 't', data: {}, createdAt }),
    );
    expect(events.map((e) => e.at)).toEqual(times.map((t) => new Date(t).toISOString()));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a time that is not a date, as Date does', () => {
    expect(() => toAccountEvent({ seq: 1, type: 't', data: {}, createdAt: Number.NaN })).toThrow(RangeError);
  });
});
