import { createChallenge, extractParams, verifySolution } from 'altcha-lib';
import type { Challenge } from 'altcha-lib/types';

/** A challenge must be solved and used within this time. */
const challengeLifetimeMs = 5 * 60_000;

/**
 * Human verification without a third party (A2): an ALTCHA proof-of-work challenge. The server
 * signs a random salt and a hidden number (HMAC), the client finds the number by brute force
 * (about `maxNumber / 2` SHA-256 hashes, a fraction of a second in a browser), and the server
 * checks the signature. Expiry is signed into the salt and read with the server's clock (not
 * altcha-lib's, so an injected test clock works); single use is the caller's job.
 */
export class HumanCheck {
  constructor(
    private readonly hmacKey: string,
    private readonly now: () => number,
    private readonly maxNumber = 100_000,
  ) {}

  challenge(): Promise<Challenge> {
    return createChallenge({
      hmacKey: this.hmacKey,
      maxnumber: this.maxNumber,
      params: { expires: String(this.now() + challengeLifetimeMs) },
    });
  }

  /**
   * The solved challenge's identity (its challenge hash) when the proof is genuine and fresh;
   * null for anything else, including payloads that do not parse.
   */
  async verify(proof: string): Promise<string | null> {
    let payload: { challenge?: unknown };
    try {
      payload = JSON.parse(Buffer.from(proof, 'base64').toString('utf8')) as { challenge?: unknown };
    } catch {
      return null;
    }
    if (typeof payload !== 'object' || payload === null || typeof payload.challenge !== 'string') return null;
    let genuine = false;
    try {
      genuine = await verifySolution(proof, this.hmacKey, false);
    } catch {
      return null;
    }
    if (!genuine) return null;
    const expires = Number(extractParams(proof).expires);
    if (!Number.isFinite(expires) || expires <= this.now()) return null;
    return payload.challenge;
  }
}
