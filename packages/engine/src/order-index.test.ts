import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderIndex } from './order-index.ts';

describe('the order id index', () => {
  it('behaves like a Map under random inserts and deletes, including growth and wrap-around', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5000 })), { maxLength: 600, size: 'max' }),
        fc.integer({ min: 1, max: 64 }),
        (operations, capacity) => {
          const index = new OrderIndex(capacity);
          const model = new Map<number, number>();
          operations.forEach(([insert, id], n) => {
            if (insert && !model.has(id)) {
              index.set(id, n);
              model.set(id, n);
            } else if (!insert && model.has(id)) {
              index.delete(id);
              model.delete(id);
            }
            expect(index.size).toBe(model.size);
          });
          for (let id = 1; id <= 5000; id += 7) expect(index.get(id)).toBe(model.get(id) ?? -1);
          for (const [id, slot] of model) expect(index.get(id)).toBe(slot);
        },
      ),
    );
  });

  it('keeps long-lived ids reachable through the overflow map as newer ids reuse their cells', () => {
    const index = new OrderIndex(16);
    for (let id = 1; id <= 8; id++) index.set(id, id);
    for (let id = 9; id <= 100_000; id++) {
      index.set(id, id);
      index.delete(id);
    }
    expect(index.overflowSize).toBeGreaterThan(0);
    for (let id = 1; id <= 8; id++) expect(index.get(id)).toBe(id);
    for (let id = 1; id <= 8; id++) index.delete(id);
    expect([index.size, index.overflowSize]).toEqual([0, 0]);
  });

  it('finds nothing for ids that are not order ids', () => {
    const index = new OrderIndex();
    index.set(1, 0);
    for (const id of [0, -1, 1.5, NaN, Infinity, 2 ** 40]) expect(index.get(id)).toBe(-1);
  });
});
