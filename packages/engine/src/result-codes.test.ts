import { describe, expect, it } from 'vitest';
import { isRejection, Result, resultCatalogue, resultName, type ResultName } from './result-codes.ts';

describe('the result catalogue', () => {
  it('has one unique code per name, outcomes below 100 and rejections from 100', () => {
    const names = Object.keys(resultCatalogue) as ResultName[];
    const codes = names.map((name) => resultCatalogue[name].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const name of names) {
      expect(Result[name]).toBe(resultCatalogue[name].code);
      expect(resultName(Result[name])).toBe(name);
      expect(resultCatalogue[name].summary).toMatch(/\.$/);
    }
    expect(isRejection(Result.OK)).toBe(false);
    expect(isRejection(Result.DUPLICATE_CLIENT_ORDER_ID)).toBe(false);
    expect(isRejection(Result.INSUFFICIENT_BALANCE)).toBe(true);
    expect(() => resultName(99_999)).toThrow();
  });
});
