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
  // A failure counted while the key is locked (concurrent attempts that passed the check together)
  // must not lift the lock.
  if (state !== undefined && lockedUntil(state, now) !== null) return state;
  const windowOpen = state !== undefined && now - state.windowStartedAt < policy.windowMs;
  const failures = (windowOpen ? state.failures : 0) + 1;
  const windowStartedAt = windowOpen ? state.windowStartedAt : now;
  if (failures >= failuresMax) {
    // The counter restarts after the lock, so the next lock needs a full set of new failures.
    return { key, failures: 0, windowStartedAt: now, lockedUntil: now + policy.lockMs };
  }
  return { key, failures, windowStartedAt, lockedUntil: null };
}

/** The eight 16-bit groups of an IPv6 address, with an embedded dotted IPv4 tail turned into two groups. */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail = ''] = text.split('::');
  const parse = (part: string): number[] => (part ? part.split(':').map((g) => parseInt(g, 16) || 0) : []);
  const headGroups = parse(head);
  const tailGroups = parse(tail);
  const zeros = Array<number>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill(0);
  return text.includes('::') ? [...headGroups, ...zeros, ...tailGroups] : headGroups;
}

/**
 * The throttle key of a client address. IPv6 clients usually own a whole /64, so they are counted
 * per /64; an IPv4-mapped IPv6 address (in any spelling) counts as its IPv4 address.
 */
export function ipThrottleKey(ip: string): string {
  if (!ip.includes(':')) return `ip:${ip}`;
  const groups = ipv6Groups(ip);
  const isMapped = groups.length === 8 && groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `ip:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

export function emailThrottleKey(email: string): string {
  return `email:${email}`;
}
