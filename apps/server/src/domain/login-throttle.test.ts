import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  afterFailure,
  emailThrottleKey,
  ipThrottleKey,
  lockedUntil,
  type ThrottlePolicy,
  type ThrottleState,
} from './login-throttle.ts';

const minuteMs = 60_000;
const policy: ThrottlePolicy = {
  emailFailuresMax: 5,
  ipFailuresMax: 50,
  windowMs: 15 * minuteMs,
  lockMs: 15 * minuteMs,
};
const t0 = Date.UTC(2026, 0, 1);

/** Applies failures at the given times, returning every intermediate state. */
function failAt(
  times: number[],
  max: number,
  p: ThrottlePolicy = policy,
  start?: ThrottleState,
): ThrottleState[] {
  const states: ThrottleState[] = [];
  let state = start;
  for (const now of times) {
    state = afterFailure(state, 'email:a@b.test', max, p, now);
    states.push(state);
  }
  return states;
}

describe('afterFailure and lockedUntil (A7)', () => {
  it('counts failures inside the window without locking, and locks at the max-th', () => {
    const states = failAt([t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4], 5);
    expect(states.slice(0, 4).map((s) => s.failures)).toEqual([1, 2, 3, 4]);
    expect(states.slice(0, 4).map((s) => lockedUntil(s, t0 + 4))).toEqual([null, null, null, null]);
    expect(states.slice(0, 4).every((s) => s.windowStartedAt === t0)).toBe(true);
    const locked = states[4]!;
    expect(lockedUntil(locked, t0 + 4)).toBe(t0 + 4 + policy.lockMs);
  });

  it('a lock lasts exactly lockMs', () => {
    const locked = failAt([t0], 1)[0]!;
    expect(lockedUntil(locked, t0)).toBe(t0 + policy.lockMs);
    expect(lockedUntil(locked, t0 + policy.lockMs - 1)).toBe(t0 + policy.lockMs);
    expect(lockedUntil(locked, t0 + policy.lockMs)).toBeNull();
  });

  it('failures further apart than the window start a new count', () => {
    const inside = failAt([t0, t0 + policy.windowMs - 1], 5);
    expect(inside[1]!.failures).toBe(2);
    const outside = failAt([t0, t0 + policy.windowMs], 5);
    expect(outside[1]!.failures).toBe(1);
    expect(outside[1]!.windowStartedAt).toBe(t0 + policy.windowMs);
  });

  it('after a lock ends, the next lock needs a full set of new failures', () => {
    const short: ThrottlePolicy = { ...policy, lockMs: 5 * minuteMs };
    const locked = failAt([t0, t0, t0], 3, short)[2]!;
    expect(lockedUntil(locked, t0)).toBe(t0 + short.lockMs);
    const afterUnlock = failAt([t0 + short.lockMs, t0 + short.lockMs + 1], 3, short, locked);
    expect(afterUnlock.map((s) => s.failures)).toEqual([1, 2]);
    expect(afterUnlock.map((s) => lockedUntil(s, t0 + short.lockMs + 1))).toEqual([null, null]);
    const relocked = failAt([t0 + short.lockMs + 2], 3, short, afterUnlock[1])[0]!;
    expect(lockedUntil(relocked, t0 + short.lockMs + 2)).toBe(t0 + 2 * short.lockMs + 2);
  });

  it('a failure recorded while the key is locked keeps the lock', () => {
    // Concurrent logins all pass the lock check before any of their failures is recorded, so the
    // service can record a failure on a key that another request locked a moment earlier.
    const locked = failAt([t0, t0, t0, t0, t0], 5)[4]!;
    const until = lockedUntil(locked, t0)!;
    const next = afterFailure(locked, locked.key, 5, policy, t0 + 1);
    expect(lockedUntil(next, t0 + 1)).not.toBeNull();
    expect(lockedUntil(next, t0 + 1)!).toBeGreaterThanOrEqual(until);
  });

  it('an unknown or unlocked key is not locked', () => {
    expect(lockedUntil(undefined, t0)).toBeNull();
    expect(lockedUntil({ key: 'k', failures: 3, windowStartedAt: t0, lockedUntil: null }, t0)).toBeNull();
  });

  it('property: with failures inside one window, the lock comes at exactly the max-th failure and lasts lockMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 12, maxLength: 12 }),
        (max, gaps) => {
          let now = t0;
          const times = gaps.slice(0, max).map((gap) => (now += gap));
          const states = failAt(times, max);
          states.slice(0, -1).forEach((s, i) => expect(lockedUntil(s, times[i]!)).toBeNull());
          const last = states[states.length - 1]!;
          const lockedAt = times[times.length - 1]!;
          expect(lockedUntil(last, lockedAt)).toBe(lockedAt + policy.lockMs);
          expect(lockedUntil(last, lockedAt + policy.lockMs)).toBeNull();
        },
      ),
    );
  });

  it('keys emails by their text', () => {
    expect(emailThrottleKey('a@b.test')).toBe('email:a@b.test');
  });
});

describe('ipThrottleKey', () => {
  it('keys an IPv4 address by itself', () => {
    expect(ipThrottleKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(ipThrottleKey('203.0.113.8')).not.toBe(ipThrottleKey('203.0.113.7'));
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(ipThrottleKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(ipThrottleKey('::FFFF:203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('counts an IPv4-mapped address as its IPv4 address in its other spellings too', () => {
    expect(ipThrottleKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(ipThrottleKey('::ffff:cb00:7107')).toBe('ip:203.0.113.7');
  });

  it('puts full and compressed IPv6 spellings of one /64 under one key', () => {
    const key = 'ip6:2001:db8:85a3:0::/64';
    expect(ipThrottleKey('2001:0db8:85a3:0000:0000:8a2e:0370:7334')).toBe(key);
    expect(ipThrottleKey('2001:db8:85a3::8a2e:370:7334')).toBe(key);
    expect(ipThrottleKey('2001:DB8:85A3::1')).toBe(key);
    expect(ipThrottleKey('2001:db8:85a3:0:ffff:ffff:ffff:ffff')).toBe(key);
    expect(ipThrottleKey('2001:db8:85a3::')).toBe(key);
    expect(ipThrottleKey('2001:db8:85a3:1::1')).not.toBe(key);
    expect(ipThrottleKey('::1')).toBe('ip6:0:0:0:0::/64');
  });

  it('an address written with an embedded IPv4 tail lands in its own /64', () => {
    // 1::2:3:4:5:1.2.3.4 is 1:0:2:3:4:5:102:304; the dotted tail is two groups, not one.
    expect(ipThrottleKey('1::2:3:4:5:1.2.3.4')).toBe(ipThrottleKey('1:0:2:3:4:5:102:304'));
    expect(ipThrottleKey('1:0:2:3:4:5:102:304')).toBe('ip6:1:0:2:3::/64');
  });

  /** Every textual form of an address: padded, unpadded, upper case, and each zero run compressed. */
  function spellings(groups: number[]): string[] {
    const hex = groups.map((g) => g.toString(16));
    const forms = [
      hex.join(':'),
      groups.map((g) => g.toString(16).padStart(4, '0')).join(':'),
      hex.join(':').toUpperCase(),
    ];
    for (let start = 0; start < 8; start += 1) {
      for (let end = start + 1; end <= 8 && groups[end - 1] === 0; end += 1) {
        forms.push(`${hex.slice(0, start).join(':')}::${hex.slice(end).join(':')}`);
      }
    }
    return forms;
  }

  it('property: every spelling of an IPv6 address gives the key of its /64, and only its /64 shares it', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const address = fc
      .array(group, { minLength: 8, maxLength: 8 })
      // IPv4-mapped addresses (::ffff:0:0/96) are keyed as IPv4; the tests above cover them.
      .filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));
    fc.assert(
      fc.property(
        address,
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 }),
        (groups, lowBits) => {
          const expected = `ip6:${groups
            .slice(0, 4)
            .map((g) => g.toString(16))
            .join(':')}::/64`;
          for (const form of spellings(groups)) {
            expect(isIPv6(form), form).toBe(true);
            expect(ipThrottleKey(form), form).toBe(expected);
          }
          const sameSubnet = [...groups.slice(0, 4), ...lowBits];
          expect(ipThrottleKey(sameSubnet.map((g) => g.toString(16)).join(':'))).toBe(expected);
          const otherSubnet = [...groups.slice(0, 3), (groups[3]! + 1) % 0x10000, ...groups.slice(4)];
          expect(ipThrottleKey(otherSubnet.map((g) => g.toString(16)).join(':'))).not.toBe(expected);
        },
      ),
    );
  });
});
