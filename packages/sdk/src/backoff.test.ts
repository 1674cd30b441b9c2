import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@lockstep/engine';
import { Backoff, backoffDelayMs, cryptoRandom } from './backoff.ts';

// A seeded generator, so the jitter is random yet the test repeatable.
const seeded = mulberry32;

describe('reconnection backoff', () => {
  it('doubles the ceiling per attempt up to the cap, with full jitter below it', () => {
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelayMs(n, 200, 5_000, top))).toEqual([
      199, 399, 799, 1599, 3199, 4999, 4999, 4999,
    ]);
    expect(backoffDelayMs(3, 200, 5_000, () => 0)).toBe(0);
    expect(backoffDelayMs(3, 200, 5_000, () => 0.5)).toBe(800);
  });

  it('spreads the waits over the whole range (seeded)', () => {
    const seed = 20260101;
    const random = seeded(seed);
    const draws = Array.from({ length: 2_000 }, () => backoffDelayMs(10, 200, 5_000, random));
    const inRange = draws.every((d) => d >= 0 && d < 5_000);
    expect(inRange, `seed ${seed}`).toBe(true);
    // Each fifth of the range gets a fair share: no thundering herd at one instant.
    const fifths = [0, 1, 2, 3, 4].map((i) => draws.filter((d) => Math.floor(d / 1_000) === i).length);
    for (const count of fifths) expect(count, `seed ${seed}`).toBeGreaterThan(300);
  });

  it('counts attempts and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.5 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect(backoff.attempt).toBe(5);
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it('refuses arguments that make no sense', () => {
    expect(() => backoffDelayMs(-1, 200, 5_000, cryptoRandom)).toThrow(RangeError);
    expect(() => backoffDelayMs(0, 0, 5_000, cryptoRandom)).toThrow(RangeError);
    expect(() => backoffDelayMs(0, 200, 100, cryptoRandom)).toThrow(RangeError);
    expect(() => backoffDelayMs(0, 200, 5_000, () => 1)).toThrow(RangeError);
  });
});

describe('the default jitter source', () => {
  it('gives numbers in [0, 1)', () => {
    const draws = Array.from({ length: 1_000 }, cryptoRandom);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});
