import { describe, expect, it } from 'vitest';
import { hashToken, newId, newToken, tokenMatchesHash } from './tokens.ts';

describe('credentials (ASVS 3.2.2, 2.9)', () => {
  it('a token carries 256 random bits (43 base64url characters) after its prefix, and repeats never', () => {
    const tokens = Array.from({ length: 2000 }, () => newToken('lss'));
    for (const token of tokens) expect(token).toMatch(/^lss_[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    // Every base64url character shows up across the sample: the bits are spread, not patterned.
    const seen = new Set(tokens.join('').replaceAll('lss_', ''));
    expect(seen.size).toBe(64);
  });

  it('only a hash is kept, and a token matches its own hash alone', () => {
    const token = newToken('lss');
    const stored = hashToken(token);
    expect(stored).not.toContain(token.slice(4));
    expect(tokenMatchesHash(token, stored)).toBe(true);
    expect(tokenMatchesHash(newToken('lss'), stored)).toBe(false);
    expect(tokenMatchesHash(`${token}x`, stored)).toBe(false);
    expect(tokenMatchesHash('', stored)).toBe(false);
  });

  it('public ids are random too', () => {
    const ids = Array.from({ length: 500 }, () => newId('ses'));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
