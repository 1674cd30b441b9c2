import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@lockstep/protocol';
import { eventFrame } from './event-frame.ts';

describe('eventFrame', () => {
  it('is the same frame with the data text as without it', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat(),
        fc.oneof(fc.constantFrom('order.updated', 'balance.updated', 'trade.executed'), fc.string()),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.jsonValue(),
        (epoch, seq, type, at, data) => {
          const event = { seq, type, at, data } as unknown as AccountEvent;
          const plain = eventFrame(epoch, event, undefined);
          expect(plain).toBe(JSON.stringify({ type: 'event', epoch, event }));
          expect(eventFrame(epoch, event, JSON.stringify(data))).toBe(plain);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
