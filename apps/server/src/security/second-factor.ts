import { randomBytes } from 'node:crypto';
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import { hashToken } from './tokens.ts';

/** Codes of the step before and after the current one still count, for clocks a little apart. */
const toleranceSeconds = 30;

export function newTotpSecret(): string {
  // otplib's default: 20 random bytes (160 bits, RFC 4226's recommendation), base32.
  return generateSecret();
}

export function otpauthUri(email: string, secret: string): string {
  return generateURI({ issuer: 'Lockstep', label: email, secret });
}

/** The otpauth URI as an SVG QR code for authenticator apps. */
export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The time step a six-digit code belongs to, or null when it matches none within the tolerance.
 * The caller must then record the step atomically, so the same code never works twice.
 */
export function totpStep(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: toleranceSeconds,
  });
  // The functional API types HOTP and TOTP results together; a TOTP result carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** The current code of a secret (tests and the command line's own authenticator). */
export function totpCode(secret: string, nowMs: number): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000) });
}

/** How many recovery codes an account gets when it turns 2FA on. */
export const recoveryCodeCount = 10;

/**
 * Recovery codes: 120 random bits each (ASVS asks 112 for lookup secrets), written as six groups
 * of four base32 letters. With that entropy a fast hash is enough; only hashes are stored.
 */
export function newRecoveryCodes(): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from({ length: recoveryCodeCount }, () => {
    const bytes = randomBytes(15);
    let bits = '';
    for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
    const letters = Array.from({ length: 24 }, (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]);
    return Array.from({ length: 6 }, (_, g) => letters.slice(g * 4, g * 4 + 4).join('')).join('-');
  });
}

/** Recovery codes are compared case-insensitively and without separators. */
export function normalizeRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z2-7]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${normalizeRecoveryCode(code)}`);
}
