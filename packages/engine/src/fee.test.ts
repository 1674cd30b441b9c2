import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feeOf } from './fee.ts';

describe('fees', () => {
  it('equal the BigInt ceiling of amount × rate / 10^6 for every safe amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (amount, rate) => {
          const exact = (BigInt(amount) * BigInt(rate) + 999_999n) / 1_000_000n;
          expect(feeOf(amount, rate)).toBe(Number(exact));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round up, never take more than the amount', () => {
    expect(feeOf(1, 1)).toBe(1);
    expect(feeOf(999_999, 1)).toBe(1);
    expect(feeOf(1_000_000, 1000)).toBe(1000);
    expect(feeOf(5, 1_000_000)).toBe(5);
    expect(feeOf(12345, 0)).toBe(0);
  });
});
