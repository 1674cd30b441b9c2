import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide } from './book-side.ts';

describe('a book side', () => {
  it('finds keys and insertion points like a linear scan, through inserts and removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -60, max: 60 })), { maxLength: 200 }),
        (operations) => {
          const side = new BookSide(1, 2);
          const model: number[] = [];
          for (const [insert, key] of operations) {
            const expected = model.indexOf(key);
            const insertion = model.filter((k) => k < key).length;
            const found = side.search(key);
            expect(found).toBe(expected >= 0 ? expected : -insertion - 1);
            if (insert && expected < 0) {
              side.insertAt(insertion, key, key);
              model.splice(insertion, 0, key);
            } else if (!insert && expected >= 0) {
              side.removeAt(expected);
              model.splice(expected, 1);
            }
            expect(Array.from(side.keys.subarray(0, side.size))).toEqual(model);
          }
        },
      ),
    );
  });
});
