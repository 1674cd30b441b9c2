import { describe, expect, it } from 'vitest';
import { historyOutcome, plural, printable, shortTime, table } from './format.ts';

describe('format', () => {
  it('shortens ISO times to date and time', () => {
    expect(shortTime('2026-01-02T03:04:05.678Z')).toBe('2026-01-02 03:04:05');
    expect(shortTime('soon')).toBe('soon');
  });

  it('aligns columns and leaves the last one unpadded', () => {
    expect(
      table(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'z'],
          ['', 'long', ''],
        ],
      ),
    ).toBe('A    BB    C\nxxx  y     z\n     long\n');
  });

  it('escapes control and bidi characters in server text, so rows cannot be forged', () => {
    expect(printable('evil\n2026-11-21  ok\u001b[8m\u202E')).toBe(
      'evil\\u{a}2026-11-21  ok\\u{1b}[8m\\u{202e}',
    );
    expect(table(['A'], [['x\ny']])).toBe('A\nx\\u{a}y\n');
  });

  it('says counts and outcomes in words', () => {
    expect([plural(1, 'device'), plural(2, 'device')]).toEqual(['1 device', '2 devices']);
    const entry = { success: false, failureReason: 'locked' } as Parameters<typeof historyOutcome>[0];
    expect(historyOutcome(entry)).toBe('failed: locked');
    expect(historyOutcome({ ...entry, success: true })).toBe('ok');
  });
});
