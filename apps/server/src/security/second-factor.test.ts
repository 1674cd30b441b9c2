import { describe, expect, it } from 'vitest';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUri,
  totpCode,
  totpStep,
} from './second-factor.ts';

describe('second factor', () => {
  it('TOTP codes match their own 30-second step and one step either side, no further', () => {
    const secret = newTotpSecret();
    const at = Date.UTC(2026, 10, 21, 12, 0, 10);
    const code = totpCode(secret, at);
    const step = totpStep(secret, code, at);
    expect(step).toBe(Math.floor(at / 30_000));
    expect(totpStep(secret, code, at + 30_000)).toBe(step);
    expect(totpStep(secret, code, at - 30_000)).toBe(step);
    expect(totpStep(secret, code, at + 90_000)).toBeNull();
    expect(totpStep(newTotpSecret(), code, at)).toBeNull();
    expect(totpStep(secret, 'abcdef', at)).toBeNull();
  });

  it('the otpauth URI names the issuer and the account', () => {
    expect(otpauthUri('ana@example.com', 'ABCDEFGHIJKLMNOPQRSTUVWX234567AB')).toBe(
      'otpauth://totp/Lockstep:ana%40example.com?secret=ABCDEFGHIJKLMNOPQRSTUVWX234567AB&issuer=Lockstep',
    );
  });

  it('ten distinct recovery codes of 120 bits, matched however they are typed', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$/);
    const code = codes[0]!;
    expect(hashRecoveryCode(code.toLowerCase().replaceAll('-', ' '))).toBe(hashRecoveryCode(code));
    expect(normalizeRecoveryCode(' ab-cd ')).toBe('ABCD');
    expect(hashRecoveryCode(code)).not.toContain(code.replaceAll('-', ''));
  });
});
