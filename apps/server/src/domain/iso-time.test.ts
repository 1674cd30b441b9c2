import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isoTime } from './iso-time.ts';

/** Date's own answer, or the error it throws. */
function dates(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

function ours(ms: number): string {
  try {
    return isoTime(ms);
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

describe('isoTime', () => {
  it('writes what Date.toISOString writes, for every time Date accepts and every one it refuses', () => {
    const maxTime = 8.64e15;
    fc.assert(
      fc.property(
        fc.oneof(
          // Times around now, where the API's times are.
          fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
          fc.integer({ min: -maxTime - 10, max: maxTime + 10 }),
          fc.double({ noNaN: false }),
          fc.constantFrom(
            0,
            -1,
            1,
            86_399_999,
            86_400_000,
            253_402_300_799_999,
            253_402_300_800_000,
            maxTime,
            -maxTime,
          ),
        ),
        (ms) => {
          expect(ours(ms)).toBe(dates(ms));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('gives a repeated time its own text, whatever came between', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, -0, 1, 999, 1_000, Date.UTC(2026, 11, 4, 22, 0, 0, 123), 1.5, -1, NaN), {
          maxLength: 20,
        }),
        (times) => {
          for (const ms of times) expect(ours(ms)).toBe(dates(ms));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps each day right when calls go back and forth between days', () => {
    const days = [
      Date.UTC(2026, 11, 4, 23, 59, 59, 999),
      Date.UTC(2026, 11, 5),
      Date.UTC(2024, 1, 29, 12, 0, 0, 7),
    ];
    for (let round = 0; round < 3; round += 1)
      for (const ms of days) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(isoTime(Date.UTC(2024, 1, 29, 12, 0, 0, 7))).toBe('2024-02-29T12:00:00.007Z');
  });

  it('refuses a time that is not one, as Date does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
