import { LockstepError } from '@lockstep/protocol';
import type { Store } from '@lockstep/store';
import {
  afterFailure,
  emailThrottleKey,
  ipThrottleKey,
  lockedUntil,
  type ThrottlePolicy,
  type ThrottleState,
} from '../domain/login-throttle.ts';

/**
 * Brute-force protection (A7) kept in the store. An attempt is counted before its password is
 * checked, inside a transaction that locks the counters, so a burst of concurrent guesses is
 * counted one by one and cannot slip past the limit while the password checks are in flight.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number,
  ) {}

  /**
   * Counts one attempt against the email and the client's address. Throws LOGIN_LOCKED when either
   * is locked; returns whether this attempt used up the last try and locked the email.
   */
  async reserve(email: string, ip: string): Promise<{ lockedEmail: boolean }> {
    const now = this.now();
    const keys = [
      { key: emailThrottleKey(email), max: this.policy.emailFailuresMax },
      { key: ipThrottleKey(ip), max: this.policy.ipFailuresMax },
    ];
    const outcome = await this.store.transaction(async (repos) => {
      // Always the email key first, then the address, so two logins never wait on each other in a cycle.
      const states: ThrottleState[] = [];
      for (const { key } of keys) states.push(await repos.throttle.getForUpdate(key, now));
      const until = Math.max(...states.map((s) => lockedUntil(s, now) ?? 0));
      if (until > 0) return { until };
      const next = keys.map(({ key, max }, i) => afterFailure(states[i], key, max, this.policy, now));
      for (const state of next) await repos.throttle.put(state);
      return { lockedEmail: next[0]?.lockedUntil != null };
    });
    if ('until' in outcome && outcome.until !== undefined) throw lockedError(outcome.until, now);
    return outcome;
  }

  /** A correct password: the email's count starts over and the address gets its attempt back. */
  async succeeded(email: string, ip: string): Promise<void> {
    const now = this.now();
    await this.store.transaction(async (repos) => {
      await repos.throttle.delete(emailThrottleKey(email));
      const address = await repos.throttle.getForUpdate(ipThrottleKey(ip), now);
      if (lockedUntil(address, now) === null && address.failures > 0) {
        await repos.throttle.put({ ...address, failures: address.failures - 1 });
      }
    });
  }
}

function lockedError(until: number, now: number): LockstepError {
  const at = new Date(until).toISOString();
  return new LockstepError(
    'LOGIN_LOCKED',
    `login is locked after too many failed attempts; it unlocks at ${at}`,
    {
      details: { unlocksAt: at, retryAfterSeconds: Math.ceil((until - now) / 1000) },
    },
  );
}
