/** Limits on failed logins (A7 brute-force protection). */
export interface ThrottlePolicy {
  /** Failures per email within the window before the email's login is locked. */
  emailFailuresMax: number;
  /** Failures from one IP (or IPv6 /64) within the window before that address is locked. */
  ipFailuresMax: number;
  windowMs: number;
  lockMs: number;
}

const minuteMs = 60_000;
export const defaultThrottlePolicy: ThrottlePolicy = {
  emailFailuresMax: 5,
  ipFailuresMax: 50,
  windowMs: 15 * minuteMs,
  lockMs: 15 * minuteMs,
};

export interface ThrottleState {
  key: string;
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}

/** The time the key stays locked until, or null when it is not locked at `now`. */
export function lockedUntil(state: ThrottleState | undefined, now: number): number | null {
  return state?.lockedUntil != null && state.lockedUntil > now ? state.lockedUntil : null;
}

/** The state after one more failure; the key locks when it reaches `failuresMax` in the window. */
export function afterFailure(
  state: ThrottleState | undefined,
  key: string,
  failuresMax: number,
  policy: ThrottlePolicy,
  now: number,
): ThrottleState {
  const windowOpen = state !== undefined && now - state.windowStartedAt < policy.windowMs && lockedUntil(state, now) === null;
  const failures = (windowOpen ? state.failures : 0) + 1;
  const windowStartedAt = windowOpen ? state.windowStartedAt : now;
  if (failures >= failuresMax) {
    // The counter restarts after the lock, so the next lock needs a full set of new failures.
    return { key, failures: 0, windowStartedAt: now, lockedUntil: now + policy.lockMs };
  }
  return { key, failures, windowStartedAt, lockedUntil: null };
}

/**
 * The throttle key of a client address. IPv6 clients usually own a whole /64, so they are counted
 * per /64; an IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function ipThrottleKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  if (!ip.includes(':')) return `ip:${ip}`;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const groups = ip.includes('::') ? [...headGroups, ...zeros, ...tailGroups] : headGroups;
  return `ip6:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function emailThrottleKey(email: string): string {
  return `email:${email}`;
}
