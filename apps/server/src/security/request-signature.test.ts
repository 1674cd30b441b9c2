import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockstepError } from '@lockstep/protocol';
import {
  SeenSignatures,
  assertInsideRecvWindow,
  ed25519SignatureBytes,
  ed25519SignatureMatches,
  hmacSignature,
  hmacSignatureBytes,
  hmacSignatureMatches,
  parseEd25519PublicKey,
  parseSignedQuery,
  signedPayload,
} from './request-signature.ts';

/** `CODE field` of what `fn` throws, or 'ok'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof LockstepError) return `${error.code} ${error.field ?? ''}`.trim();
    throw error;
  }
}

describe('the query string of a signed request', () => {
  it('splits off the signature and reads timestamp and recvWindow', () => {
    expect(
      parseSignedQuery('symbol=BTCUSDT&timestamp=1700000000000&recvWindow=10000&signature=ab12'),
    ).toEqual({
      signedQuery: 'symbol=BTCUSDT&timestamp=1700000000000&recvWindow=10000',
      signature: 'ab12',
      timestamp: 1700000000000,
      recvWindowMs: 10000,
    });
    // recvWindow defaults to 5000; the signature is percent-decoded but `+` stays `+` (base64).
    expect(parseSignedQuery('timestamp=5&signature=a%2Bb+c%3D%3D')).toMatchObject({
      signedQuery: 'timestamp=5',
      signature: 'a+b+c==',
      recvWindowMs: 5000,
    });
  });

  it('keeps the signed part byte for byte, however it is encoded', () => {
    const raw = 'b=%7E+x&a=1&timestamp=9&z';
    expect(parseSignedQuery(`${raw}&signature=00`).signedQuery).toBe(raw);
  });

  it.each([
    ['timestamp=1', 'VALIDATION_FAILED querystring.signature'],
    ['signature=ab&timestamp=1', 'VALIDATION_FAILED querystring.signature'],
    ['timestamp=1&signature=ab&x=1', 'VALIDATION_FAILED querystring.signature'],
    ['timestamp=1&signature=ab&signature=ab', 'VALIDATION_FAILED querystring.signature'],
    ['timestamp=1&signatur%65=ab&signature=ab', 'VALIDATION_FAILED querystring.signature'],
    ['signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['recvWindow=10&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=1.5&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=-1&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=01&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=99999999999999999&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=1&timestamp=2&signature=ab', 'VALIDATION_FAILED querystring.timestamp'],
    ['timestamp=1&recvWindow=60001&signature=ab', 'VALIDATION_FAILED querystring.recvWindow'],
    ['timestamp=1&recvWindow=0&signature=ab', 'VALIDATION_FAILED querystring.recvWindow'],
    ['timestamp=1&recvWindow=1e3&signature=ab', 'VALIDATION_FAILED querystring.recvWindow'],
    ['timestamp=1&recvWindow=&signature=ab', 'VALIDATION_FAILED querystring.recvWindow'],
    ['timestamp=1&signature=%E0%A4%A', 'SIGNATURE_INVALID'],
    ['timestamp=1&recvWindow=60000&signature=ab', 'ok'],
  ])('%j → %s', (query, expected) => {
    expect(outcome(() => parseSignedQuery(query))).toBe(expected);
  });

  it('never throws anything but a catalogue error, whatever the query', () => {
    const unit = fc.constantFrom(...'abtimesgnurcvWdow=&%+0123456789ABCDEF');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 80 }), (query) => {
        expect(outcome(() => parseSignedQuery(query))).toMatch(
          /^(ok|VALIDATION_FAILED querystring\.|SIGNATURE_INVALID)/,
        );
      }),
    );
  });
});

describe('the recv window', () => {
  const now = 1_700_000_000_000;
  it('accepts timestamps from now - recvWindow to now + 1 s, and nothing else', () => {
    expect(outcome(() => assertInsideRecvWindow(now - 5000, 5000, now))).toBe('ok');
    expect(outcome(() => assertInsideRecvWindow(now + 1000, 5000, now))).toBe('ok');
    expect(outcome(() => assertInsideRecvWindow(now - 5001, 5000, now))).toBe(
      'TIMESTAMP_OUTSIDE_RECV_WINDOW querystring.timestamp',
    );
    expect(outcome(() => assertInsideRecvWindow(now + 1001, 60_000, now))).toBe(
      'TIMESTAMP_OUTSIDE_RECV_WINDOW querystring.timestamp',
    );
  });
});

describe('signatures', () => {
  const payload = signedPayload('symbol=BTCUSDT&timestamp=1', Buffer.from('{"side":"BUY"}'));

  it('HMAC: matches Binance’s documented example', () => {
    // From Binance's SIGNED endpoint documentation (HMAC SHA256 example).
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const query =
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    expect(hmacSignature(secret, query)).toBe(
      'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
    );
  });

  it('HMAC: the right signature in either case matches; any other does not', () => {
    const secret = 'lsks_secret';
    const good = hmacSignature(secret, payload);
    expect(hmacSignatureMatches(secret, payload, hmacSignatureBytes(good)!)).toBe(true);
    expect(hmacSignatureMatches(secret, payload, hmacSignatureBytes(good.toUpperCase())!)).toBe(true);
    expect(hmacSignatureMatches('other', payload, hmacSignatureBytes(good)!)).toBe(false);
    const tampered = signedPayload('symbol=BTCUSDT&timestamp=2', Buffer.from('{"side":"BUY"}'));
    expect(hmacSignatureMatches(secret, tampered, hmacSignatureBytes(good)!)).toBe(false);
    expect(hmacSignatureBytes(good.slice(1))).toBeNull();
    expect(hmacSignatureBytes(`${good.slice(1)}g`)).toBeNull();
  });

  it('Ed25519: base64 and base64url signatures verify with the parsed public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    const fromRaw = parseEd25519PublicKey(raw);
    const fromPem = parseEd25519PublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    expect(fromRaw).toEqual(fromPem);
    expect(parseEd25519PublicKey(Buffer.from(raw, 'base64').toString('base64url'))).toEqual(fromRaw);
    if (!('pem' in fromRaw)) throw new Error(fromRaw.error);
    // The stored form parses to itself.
    expect(parseEd25519PublicKey(fromRaw.pem)).toEqual(fromRaw);
    const key = createPublicKey(fromRaw.pem);
    const signature = sign(null, payload, privateKey);
    for (const text of [signature.toString('base64'), signature.toString('base64url')]) {
      expect(ed25519SignatureMatches(key, payload, ed25519SignatureBytes(text)!)).toBe(true);
    }
    expect(ed25519SignatureMatches(key, Buffer.from('other'), signature)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(ed25519SignatureMatches(other, payload, signature)).toBe(false);
    expect(ed25519SignatureBytes('abc')).toBeNull();
  });

  it.each([
    ['', 'PEM'],
    ['not a key', 'PEM'],
    ['AAAA', 'node:crypto'],
    [
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      'private key',
    ],
    [
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ format: 'pem', type: 'spki' })
        .toString(),
      'ec key',
    ],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'PEM'],
  ])('refuses public key %#', (text, why) => {
    const parsed = parseEd25519PublicKey(text);
    expect('error' in parsed ? parsed.error : 'accepted').toContain(why);
  });
});

describe('seen signatures', () => {
  it('refuses a replay until its window has passed, per key', () => {
    const seen = new SeenSignatures();
    expect(seen.remember('k1', 'sig', 100, 50)).toBe('new');
    expect(seen.remember('k1', 'sig', 100, 100)).toBe('replay');
    expect(seen.remember('k2', 'sig', 100, 60)).toBe('new');
    // Past its window the timestamp check refuses it anyway; the entry is only memory now.
    expect(seen.remember('k1', 'sig', 200, 101)).toBe('new');
  });

  it('stays within its bounds, refusing rather than forgetting live signatures', () => {
    const seen = new SeenSignatures(3, 5);
    for (const n of [1, 2, 3]) expect(seen.remember('k1', `s${n}`, 1000, 0)).toBe('new');
    expect(seen.remember('k1', 's4', 1000, 0)).toBe('full');
    expect(seen.remember('k2', 's1', 10, 0)).toBe('new');
    expect(seen.remember('k2', 's2', 1000, 0)).toBe('new');
    expect(seen.remember('k3', 's1', 1000, 0)).toBe('full');
    expect(seen.size).toBe(5);
    // Once k2's first signature expired, a sweep makes room.
    expect(seen.remember('k3', 's1', 1000, 11)).toBe('new');
    expect(seen.size).toBe(5);
    expect(seen.remember('k1', 's1', 1000, 12)).toBe('replay');
  });
});
