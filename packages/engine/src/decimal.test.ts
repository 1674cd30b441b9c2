import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMultiple, formatUnits, parseMultiple, parseStep, parseUnits } from './decimal.ts';
import { Result, resultName } from './result-codes.ts';

const name = (parsed: { code: number }): string => resultName(parsed.code);

describe('decimal strings at the edge', () => {
  it('parses exact amounts in smallest units', () => {
    expect(parseUnits('1', 8)).toEqual({ code: Result.OK, value: 100_000_000 });
    expect(parseUnits('0.1', 8)).toEqual({ code: Result.OK, value: 10_000_000 });
    expect(parseUnits('0.00000001', 8)).toEqual({ code: Result.OK, value: 1 });
    expect(parseUnits('12.50000000000', 2)).toEqual({ code: Result.OK, value: 1250 });
    expect(parseUnits('007', 0)).toEqual({ code: Result.OK, value: 7 });
    expect(parseUnits('90071992.54740991', 8)).toEqual({ code: Result.OK, value: Number.MAX_SAFE_INTEGER });
  });

  it('rejects bad input with stable codes', () => {
    const cases: [unknown, number, string][] = [
      ['abc', 8, 'INVALID_NUMBER'],
      ['', 8, 'INVALID_NUMBER'],
      [' 1', 8, 'INVALID_NUMBER'],
      ['1e5', 8, 'INVALID_NUMBER'],
      ['+1', 8, 'INVALID_NUMBER'],
      ['.5', 8, 'INVALID_NUMBER'],
      ['5.', 8, 'INVALID_NUMBER'],
      ['0x10', 8, 'INVALID_NUMBER'],
      ['NaN', 8, 'INVALID_NUMBER'],
      [1.5, 8, 'INVALID_NUMBER'],
      [null, 8, 'INVALID_NUMBER'],
      ['1'.repeat(65), 0, 'INVALID_NUMBER'],
      ['-1', 8, 'NEGATIVE_AMOUNT'],
      ['-0.5', 8, 'NEGATIVE_AMOUNT'],
      ['0', 8, 'ZERO_AMOUNT'],
      ['0.000', 8, 'ZERO_AMOUNT'],
      ['0.000000001', 8, 'TOO_MANY_DECIMALS'],
      ['1.001', 2, 'TOO_MANY_DECIMALS'],
      ['90071992.54740992', 8, 'AMOUNT_TOO_LARGE'],
      ['100000000000000000000', 0, 'AMOUNT_TOO_LARGE'],
    ];
    for (const [text, decimals, expected] of cases)
      expect([text, name(parseUnits(text, decimals))]).toEqual([text, expected]);
  });

  it('parses prices into ticks and quantities into lots, refusing off-step values', () => {
    const tick = parseStep('0.05')!;
    expect(tick).toEqual({ mantissa: 5, decimals: 2 });
    expect(parseMultiple('100.05', tick, Result.PRICE_FILTER)).toEqual({ code: Result.OK, value: 2001 });
    expect(name(parseMultiple('100.03', tick, Result.PRICE_FILTER))).toBe('PRICE_FILTER');
    expect(name(parseMultiple('100.051', tick, Result.PRICE_FILTER))).toBe('PRICE_FILTER');
    expect(name(parseMultiple('-1', tick, Result.PRICE_FILTER))).toBe('NEGATIVE_AMOUNT');
    const step = parseStep('0.001')!;
    expect(parseMultiple('1.234', step, Result.LOT_SIZE)).toEqual({ code: Result.OK, value: 1234 });
    expect(name(parseMultiple('1.2345', step, Result.LOT_SIZE))).toBe('LOT_SIZE');
    expect(parseStep('10')).toEqual({ mantissa: 10, decimals: 0 });
    expect(parseStep('0')).toBeUndefined();
    expect(parseStep('-1')).toBeUndefined();
  });

  it('formats exactly with all decimals', () => {
    expect(formatUnits(1, 8)).toBe('0.00000001');
    expect(formatUnits(123_456_789, 8)).toBe('1.23456789');
    expect(formatUnits(-5, 2)).toBe('-0.05');
    expect(formatUnits(42, 0)).toBe('42');
    expect(formatMultiple(2001, parseStep('0.05')!)).toBe('100.05');
  });

  it('round-trips every safe integer amount through format and parse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 18 }),
        (units, decimals) => {
          expect(parseUnits(formatUnits(units, decimals), decimals)).toEqual({
            code: Result.OK,
            value: units,
          });
        },
      ),
    );
  });
});
