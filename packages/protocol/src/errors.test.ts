import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LockstepError, errorCatalogue, isErrorCode, type ErrorCode } from './errors.ts';

const docPath = new URL('../../../docs/errors.md', import.meta.url);

interface DocRow {
  code: string;
  status: number;
  cells: string[];
}

/** The rows of docs/errors.md's code table: every table row whose first cell is a `CODE`. */
function documentedCodes(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  for (const line of markdown.split('\n')) {
    if (!line.trim().startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (code === undefined) continue;
    rows.push({ code, status: Number(cells[1]), cells });
  }
  return rows;
}

describe('the error catalogue and docs/errors.md', () => {
  const rows = documentedCodes(readFileSync(docPath, 'utf8'));
  const catalogue = Object.keys(errorCatalogue);

  it('finds the table', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it('documents every catalogue code', () => {
    const documented = new Set(rows.map((r) => r.code));
    expect(catalogue.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('documents no code that is not in the catalogue', () => {
    expect(rows.map((r) => r.code).filter((code) => !isErrorCode(code))).toEqual([]);
  });

  it('documents each code once', () => {
    const codes = rows.map((r) => r.code);
    expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([]);
  });

  it('gives each code its catalogue status and fills every column', () => {
    for (const row of rows) {
      if (!isErrorCode(row.code)) continue;
      expect(row.status, row.code).toBe(errorCatalogue[row.code].status);
      expect(row.cells, row.code).toHaveLength(5);
      for (const cell of row.cells) expect(cell.length, `${row.code}: empty cell`).toBeGreaterThan(0);
    }
  });
});

describe('LockstepError', () => {
  it('carries the catalogue status and serialises to the wire body', () => {
    for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
      const error = new LockstepError(code, 'why', { field: 'f', details: { n: 1 } });
      expect(error.status).toBe(errorCatalogue[code].status);
      expect(error.toBody()).toEqual({ code, message: 'why', field: 'f', details: { n: 1 } });
    }
    expect(new LockstepError('NOT_FOUND', 'gone').toBody()).toEqual({ code: 'NOT_FOUND', message: 'gone' });
  });

  it('isErrorCode accepts catalogue codes only, not inherited object keys', () => {
    expect(isErrorCode('SESSION_REVOKED')).toBe(true);
    for (const other of ['toString', '__proto__', 'constructor', 'session_revoked', '', 42, null]) {
      expect(isErrorCode(other)).toBe(false);
    }
  });
});
