import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { LockstepError, recvWindowDefaultMs, recvWindowMaxMs } from '@lockstep/protocol';

/**
 * Binance-style signed requests (A13, E4). A request signed with an API key carries `timestamp`
 * (milliseconds), optionally `recvWindow`, and `signature` as the last query parameter. The
 * signature covers the raw query string before `&signature=` exactly as sent, followed by the raw
 * request body: lower-case hex HMAC-SHA256 with the key's secret, or base64 Ed25519.
 */

/** A request may be at most this far ahead of the server's clock (Binance's rule). */
export const clockAheadMaxMs = 1_000;

/** What the query string of a signed request says about its signature. */
export interface SignedQuery {
  /** The raw query string the signature covers: everything before `&signature=`. */
  signedQuery: string;
  /** The signature parameter, percent-decoded. */
  signature: string;
  timestamp: number;
  recvWindowMs: number;
}

function decodeComponent(text: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? text.replaceAll('+', ' ') : text);
  } catch {
    return null;
  }
}

function refuse(parameter: string, message: string): LockstepError {
  return new LockstepError('VALIDATION_FAILED', `querystring.${parameter} ${message}`, {
    field: `querystring.${parameter}`,
  });
}

/** The one value of a signed parameter, or undefined when absent; refused when given twice. */
function single(parts: ReadonlyArray<[string, string]>, name: string): string | undefined {
  const values = parts.filter(([n]) => n === name);
  if (values.length > 1) throw refuse(name, 'is given more than once');
  return values[0]?.[1];
}

/**
 * Reads timestamp, recvWindow and signature from the raw query string (what follows `?` in the
 * request line). Throws VALIDATION_FAILED naming the parameter when one is missing, malformed,
 * repeated, or when `signature` is not the last parameter.
 */
export function parseSignedQuery(rawQuery: string): SignedQuery {
  const raw = rawQuery === '' ? [] : rawQuery.split('&');
  const parts = raw.map((part): [string, string] => {
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq), true) ?? part;
    return [name, eq < 0 ? '' : part.slice(eq + 1)];
  });
  const signatureAt = parts.flatMap(([name], i) => (name === 'signature' ? [i] : []));
  if (signatureAt.length === 0) throw refuse('signature', 'is required on a request signed with an API key');
  if (signatureAt.length > 1 || signatureAt[0] !== parts.length - 1)
    throw refuse('signature', 'must be the last query parameter, given once');
  const signed = parts.slice(0, -1);
  const timestampText = decodeComponent(single(signed, 'timestamp') ?? '', true);
  if (!timestampText) throw refuse('timestamp', 'is required: milliseconds since the Unix epoch');
  const timestamp = /^[1-9][0-9]{0,15}$/.test(timestampText) ? Number(timestampText) : NaN;
  if (!Number.isSafeInteger(timestamp))
    throw refuse('timestamp', 'must be milliseconds since the Unix epoch');
  const recvWindowText = single(signed, 'recvWindow');
  let recvWindowMs = recvWindowDefaultMs;
  if (recvWindowText !== undefined) {
    const text = decodeComponent(recvWindowText, true) ?? '';
    recvWindowMs = /^[1-9][0-9]{0,5}$/.test(text) ? Number(text) : NaN;
    if (!(recvWindowMs <= recvWindowMaxMs))
      throw refuse('recvWindow', `must be a whole number of milliseconds from 1 to ${recvWindowMaxMs}`);
  }
  const signature = decodeComponent(parts[parts.length - 1]![1], false);
  if (signature === null) throw new LockstepError('SIGNATURE_INVALID', 'the signature is not valid');
  return { signedQuery: raw.slice(0, -1).join('&'), signature, timestamp, recvWindowMs };
}

/**
 * The bytes a signature covers: the signed query string, then the body. The query string is taken
 * byte for byte as Node's parser read the request line (latin1 keeps every byte as it came).
 */
export function signedPayload(signedQuery: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(signedQuery, 'latin1'), body]);
}

/** Refuses a timestamp older than `recvWindowMs` or more than one second ahead of `now`. */
export function assertInsideRecvWindow(timestamp: number, recvWindowMs: number, now: number): void {
  if (timestamp >= now - recvWindowMs && timestamp <= now + clockAheadMaxMs) return;
  throw new LockstepError(
    'TIMESTAMP_OUTSIDE_RECV_WINDOW',
    timestamp > now
      ? `timestamp is ${timestamp - now} ms ahead of the server's clock (at most ${clockAheadMaxMs} ms allowed)`
      : `timestamp is ${now - timestamp} ms old; recvWindow allows ${recvWindowMs} ms`,
    { field: 'querystring.timestamp', details: { serverTime: now, timestamp, recvWindow: recvWindowMs } },
  );
}

/** Lower-case hex HMAC-SHA256 of the payload, keyed with the secret's UTF-8 bytes (as Binance clients do). */
export function hmacSignature(secret: string, payload: Buffer | string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** An HMAC signature's bytes (64 hex digits, either case), or null when it is not one. */
export function hmacSignatureBytes(signature: string): Buffer | null {
  return /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : null;
}

/** An Ed25519 signature's 64 bytes from base64 or base64url (padding optional), or null. */
export function ed25519SignatureBytes(signature: string): Buffer | null {
  // A client that did not percent-encode `+` may have it arrive as a space.
  const base64 = signature.replaceAll(' ', '+').replaceAll('-', '+').replaceAll('_', '/');
  return /^[A-Za-z0-9+/]{86}(==)?$/.test(base64) ? Buffer.from(base64, 'base64') : null;
}

/** Checks an HMAC signature in constant time. */
export function hmacSignatureMatches(secret: string, payload: Buffer, signature: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(payload).digest();
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

/** Checks an Ed25519 signature with the key's public key. */
export function ed25519SignatureMatches(publicKey: KeyObject, payload: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, payload, publicKey, signature);
  } catch {
    return false;
  }
}

/** The DER header of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow it. */
const ed25519SpkiHeader = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The public key of an Ed25519 API key, given as PEM (`-----BEGIN PUBLIC KEY-----`) or as base64
 * of its raw 32 bytes (or of its DER SubjectPublicKeyInfo). Returns the key as SPKI PEM, or a
 * sentence saying what is wrong. A private key is refused, not quietly reduced to its public half:
 * it should never have left the client.
 */
export function parseEd25519PublicKey(text: string): { pem: string } | { error: string } {
  const trimmed = text.trim();
  if (/PRIVATE KEY/.test(trimmed))
    return { error: 'is a private key; keep it secret and send only the public key' };
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----')) {
      if (!/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/.test(trimmed))
        return { error: 'must be a PEM "PUBLIC KEY" block or base64 of the 32 raw key bytes' };
      key = createPublicKey({ key: trimmed, format: 'pem' });
    } else {
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))
        return { error: 'must be a PEM "PUBLIC KEY" block or base64 of the 32 raw key bytes' };
      const bytes = Buffer.from(trimmed.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
      const der = bytes.length === 32 ? Buffer.concat([ed25519SpkiHeader, bytes]) : bytes;
      key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
  } catch {
    return { error: 'is not a public key node:crypto can read' };
  }
  if (key.asymmetricKeyType !== 'ed25519')
    return { error: `is an ${key.asymmetricKeyType ?? 'unknown'} key; API keys take Ed25519 keys` };
  return { pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * Signatures already accepted, per API key, kept until their request's window has passed, so an
 * exact replay of a signed request inside its recvWindow is refused. Bounded: at most
 * `perKeyMax` live entries per key and `totalMax` in all; beyond that new requests are refused
 * (RATE_LIMITED) rather than forgetting signatures that could then be replayed.
 *
 * In memory, per process: across the gateway processes of a cluster it is best-effort (a replay
 * sent to another process within its window is caught only by that process's own record). The
 * timestamp window bounds what a replay can do either way.
 */
export class SeenSignatures {
  /** `keyId signature` → the last instant the request was inside its window. */
  private readonly expiries = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  /** No sweep before this: the earliest expiry left by the last sweep (a full sweep is O(n)). */
  private sweepAfter = -Infinity;

  constructor(
    private readonly perKeyMax = 20_000,
    private readonly totalMax = 200_000,
  ) {}

  /** Records the signature: `new` when first seen, `replay` when seen and still inside its window, `full` when no room. */
  remember(keyId: string, signatureId: string, expiresAt: number, now: number): 'new' | 'replay' | 'full' {
    const entry = `${keyId} ${signatureId}`;
    const seen = this.expiries.get(entry);
    if (seen !== undefined && seen >= now) return 'replay';
    if (seen !== undefined) this.drop(entry, keyId);
    if (this.isFull(keyId)) {
      this.sweep(now);
      if (this.isFull(keyId)) return 'full';
    }
    this.expiries.set(entry, expiresAt);
    this.perKey.set(keyId, (this.perKey.get(keyId) ?? 0) + 1);
    // An entry that expires before the last sweep's earliest makes an earlier sweep worthwhile.
    this.sweepAfter = Math.min(this.sweepAfter, expiresAt);
    return 'new';
  }

  /** How many signatures are held (for tests). */
  get size(): number {
    return this.expiries.size;
  }

  private isFull(keyId: string): boolean {
    return this.expiries.size >= this.totalMax || (this.perKey.get(keyId) ?? 0) >= this.perKeyMax;
  }

  private drop(entry: string, keyId: string): void {
    this.expiries.delete(entry);
    const left = (this.perKey.get(keyId) ?? 1) - 1;
    if (left > 0) this.perKey.set(keyId, left);
    else this.perKey.delete(keyId);
  }

  private sweep(now: number): void {
    if (now <= this.sweepAfter) return;
    let earliest = Infinity;
    for (const [entry, expiresAt] of this.expiries) {
      if (expiresAt < now) this.drop(entry, entry.slice(0, entry.indexOf(' ')));
      else earliest = Math.min(earliest, expiresAt);
    }
    this.sweepAfter = earliest;
  }
}
