import type { LoginHistoryEntry } from '@lockstep/sdk';

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC), short enough for a table column. */
export function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/**
 * Text from the server made safe for a terminal: control and bidi-override characters become
 * visible `\u{…}` escapes, so nobody can forge rows or colours in another user's output.
 */
export function printable(text: string): string {
  return text.replace(
    /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
}

/** Rows under headers, in columns two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [headers, ...rows.map((row) => row.map(printable))];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const lines = all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** `1 device`, `3 devices`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A login history entry's outcome: `ok`, or `failed: <reason>`. */
export function historyOutcome(entry: LoginHistoryEntry): string {
  return entry.success ? 'ok' : `failed: ${entry.failureReason ?? 'unknown'}`;
}
