/** How a device waits between reconnection attempts. */
export interface BackoffOptions {
  /** The ceiling of the first wait. */
  initialMs?: number;
  /** No wait is longer than this. */
  maxMs?: number;
  /** A number in [0, 1); `cryptoRandom` by default, a seeded one in tests. */
  random?: () => number;
}

/**
 * A number in [0, 1) from the platform's cryptographic generator (Web Crypto: browsers and Node
 * alike), so no device's jitter follows a predictable sequence.
 */
export function cryptoRandom(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

export const backoffInitialMsDefault = 200;
export const backoffMaxMsDefault = 5_000;

/**
 * The wait before attempt `attempt` (0 for the first): exponential growth with "full jitter", a
 * uniform draw below `min(maxMs, initialMs * 2^attempt)`. The jitter keeps a server restart from
 * bringing every device back in the same millisecond.
 */
export function backoffDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError('attempt must be a whole number ≥ 0');
  if (!(initialMs > 0)) throw new RangeError('initialMs must be positive');
  if (!(maxMs >= initialMs)) throw new RangeError('maxMs must be at least initialMs');
  const draw = random();
  if (!(draw >= 0 && draw < 1)) throw new RangeError('random() must return a number in [0, 1)');
  // 2^attempt overflows to Infinity long after the cap is reached; min() keeps it finite.
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 32));
  return Math.floor(draw * ceilingMs);
}

/**
 * The attempt counter of one reconnecting client: `next()` gives the wait before the next attempt
 * and counts it; `reset()` once the connection is healthy again.
 *
 * @example
 * const backoff = new Backoff();
 * await sleep(backoff.next()); // 0–199 ms, then 0–399 ms, … up to 0–4999 ms
 */
export class Backoff {
  private attempts = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? backoffInitialMsDefault;
    this.maxMs = options.maxMs ?? backoffMaxMsDefault;
    this.random = options.random ?? cryptoRandom;
  }

  /** Attempts since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  next(): number {
    const delayMs = backoffDelayMs(this.attempts, this.initialMs, this.maxMs, this.random);
    this.attempts += 1;
    return delayMs;
  }

  reset(): void {
    this.attempts = 0;
  }
}
