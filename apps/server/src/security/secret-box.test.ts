import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, secretKeyFileName } from './secret-box.ts';

describe('SecretBox', () => {
  it('seals so that only the same key opens, and every seal differs', () => {
    const box = SecretBox.fromKey(randomBytes(32));
    const a = box.seal('JBSWY3DPEHPK3PXPJBSWY3DP');
    const b = box.seal('JBSWY3DPEHPK3PXPJBSWY3DP');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DP');
    expect(box.unseal(a)).toBe('JBSWY3DPEHPK3PXPJBSWY3DP');
    expect(() => SecretBox.fromKey(randomBytes(32)).unseal(a)).toThrow();
  });

  it('refuses an altered sealed value', () => {
    const box = SecretBox.fromKey(randomBytes(32));
    const [version, iv, tag, body] = box.seal('secret').split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.unseal([version, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => box.unseal('not-sealed')).toThrow('not a sealed value');
  });

  it('keeps its key in the data folder, readable by the owner only, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-box-'));
    const sealed = SecretBox.open(dir).seal('x');
    expect(statSync(join(dir, secretKeyFileName)).mode & 0o777).toBe(0o600);
    expect(SecretBox.open(dir).unseal(sealed)).toBe('x');
    expect(SecretBox.open(dir).derive('altcha')).toBe(SecretBox.open(dir).derive('altcha'));
    expect(SecretBox.open(dir).derive('altcha')).not.toBe(SecretBox.open(dir).derive('other'));
  });
});
