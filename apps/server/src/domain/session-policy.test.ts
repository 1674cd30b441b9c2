import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { platforms, type Platform } from '@lockstep/protocol';
import {
  defaultSlotLimits,
  isSessionLive,
  sessionExpiresAt,
  slotEvictions,
  type SessionLifetimes,
  type SessionTimes,
  type SlotLimits,
} from './session-policy.ts';

const dayMs = 24 * 60 * 60 * 1000;
const lifetimes: SessionLifetimes = { idleMs: 30 * dayMs, absoluteMs: 90 * dayMs };
const t0 = Date.UTC(2026, 0, 1);

function session(
  id: string,
  platform: Platform,
  createdAt: number,
  extra: Partial<SessionTimes> = {},
): SessionTimes {
  return {
    id,
    platform,
    createdAt,
    lastActiveAt: createdAt,
    absoluteExpiresAt: createdAt + lifetimes.absoluteMs,
    revokedAt: null,
    ...extra,
  };
}

const limits = (overrides: Partial<SlotLimits>): SlotLimits => ({ ...defaultSlotLimits, ...overrides });
const ids = (sessions: SessionTimes[]): string[] => sessions.map((s) => s.id);

describe('slotEvictions (A6)', () => {
  const mixed = [
    session('d1', 'desktop', t0 + 10),
    session('i1', 'ios', t0 + 20),
    session('w1', 'web', t0 + 30),
    session('i2', 'ios', t0 + 40),
    session('a1', 'android', t0 + 50),
    session('i3', 'ios', t0 + 60),
    session('w2', 'web', t0 + 70),
  ];

  it('limit 1: a new login signs out every earlier session of its platform, oldest first', () => {
    expect(ids(slotEvictions(mixed, 'ios', limits({ ios: 1 })))).toEqual(['i1', 'i2', 'i3']);
    expect(ids(slotEvictions(mixed, 'desktop', limits({ desktop: 1 })))).toEqual(['d1']);
  });

  it('limit 1 on an empty platform evicts nothing', () => {
    expect(slotEvictions(mixed, 'ipad', limits({ ipad: 1 }))).toEqual([]);
    expect(slotEvictions([], 'ios', limits({ ios: 1 }))).toEqual([]);
  });

  it('limit 2: keeps the newest one beside the new login', () => {
    expect(ids(slotEvictions(mixed, 'ios', limits({ ios: 2 })))).toEqual(['i1', 'i2']);
    expect(ids(slotEvictions(mixed, 'web', limits({ web: 2 })))).toEqual(['w1']);
    expect(slotEvictions(mixed, 'desktop', limits({ desktop: 2 }))).toEqual([]);
  });

  it('Infinity: never evicts, however many sessions the platform holds', () => {
    const many = Array.from({ length: 50 }, (_, i) => session(`w${i}`, 'web', t0 + i));
    expect(slotEvictions(many, 'web', limits({ web: Infinity }))).toEqual([]);
    expect(slotEvictions(mixed, 'ios', limits({ ios: Infinity }))).toEqual([]);
  });

  it('never touches other platforms', () => {
    for (const platform of platforms) {
      for (const limit of [1, 2, Infinity]) {
        const evicted = slotEvictions(mixed, platform, limits({ [platform]: limit }));
        expect(evicted.every((s) => s.platform === platform)).toBe(true);
      }
    }
  });

  it('orders sessions created at the same moment by id, so the choice is deterministic', () => {
    const tied = [session('b', 'ios', t0), session('a', 'ios', t0), session('c', 'ios', t0)];
    expect(ids(slotEvictions(tied, 'ios', limits({ ios: 2 })))).toEqual(['a', 'b']);
  });

  it('does not reorder or change the list it is given', () => {
    const before = mixed.map((s) => ({ ...s }));
    slotEvictions(mixed, 'ios', limits({ ios: 1 }));
    expect(mixed).toEqual(before);
  });

  const sessionsArb = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      platform: fc.constantFrom(...platforms),
      createdAt: fc.integer({ min: t0, max: t0 + 1_000 }),
    }),
    { selector: (s) => s.id, maxLength: 30 },
  );
  const limitArb = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Infinity));

  it('property: leaves at most limit-1 of the platform, evicts exactly the excess, only the oldest, nothing else', () => {
    fc.assert(
      fc.property(sessionsArb, fc.constantFrom(...platforms), limitArb, (raw, platform, limit) => {
        const live = raw.map((s) => session(s.id, s.platform, s.createdAt));
        const evicted = slotEvictions(live, platform, limits({ [platform]: limit }));
        const same = live.filter((s) => s.platform === platform);
        const kept = same.filter((s) => !evicted.includes(s));

        expect(evicted.every((s) => s.platform === platform && live.includes(s))).toBe(true);
        expect(new Set(evicted).size).toBe(evicted.length);
        if (Number.isFinite(limit)) {
          expect(kept.length).toBeLessThanOrEqual(limit - 1);
          expect(evicted.length).toBe(Math.max(0, same.length - (limit - 1)));
        } else {
          expect(evicted).toEqual([]);
        }
        // Only ever the oldest: nothing kept is older than anything evicted.
        for (const e of evicted) for (const k of kept) expect(e.createdAt).toBeLessThanOrEqual(k.createdAt);
      }),
    );
  });
});

describe('isSessionLive and sessionExpiresAt (A5)', () => {
  it('idle: live until idleMs after the last activity, dead from that instant', () => {
    const s = session('s', 'web', t0);
    expect(sessionExpiresAt(s, lifetimes)).toBe(t0 + lifetimes.idleMs);
    expect(isSessionLive(s, lifetimes, t0)).toBe(true);
    expect(isSessionLive(s, lifetimes, t0 + lifetimes.idleMs - 1)).toBe(true);
    expect(isSessionLive(s, lifetimes, t0 + lifetimes.idleMs)).toBe(false);
  });

  it('activity slides the idle deadline forward', () => {
    const s = session('s', 'web', t0, { lastActiveAt: t0 + 20 * dayMs });
    expect(isSessionLive(s, lifetimes, t0 + 45 * dayMs)).toBe(true);
    expect(isSessionLive(s, lifetimes, t0 + 50 * dayMs)).toBe(false);
  });

  it('absolute: however active, the session ends at its absolute expiry', () => {
    const s = session('s', 'web', t0, { lastActiveAt: t0 + 89 * dayMs });
    expect(sessionExpiresAt(s, lifetimes)).toBe(t0 + 90 * dayMs);
    expect(isSessionLive(s, lifetimes, t0 + 90 * dayMs - 1)).toBe(true);
    expect(isSessionLive(s, lifetimes, t0 + 90 * dayMs)).toBe(false);
  });

  it('a revoked session is dead at once', () => {
    expect(isSessionLive(session('s', 'web', t0, { revokedAt: t0 }), lifetimes, t0)).toBe(false);
  });

  it('property: live exactly when unrevoked and before both deadlines', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 * dayMs }),
        fc.integer({ min: 0, max: 100 * dayMs }),
        fc.integer({ min: 0, max: 200 * dayMs }),
        fc.boolean(),
        (activeAfter, absoluteAfter, at, revoked) => {
          const s = session('s', 'ios', t0, {
            lastActiveAt: t0 + activeAfter,
            absoluteExpiresAt: t0 + absoluteAfter,
            revokedAt: revoked ? t0 : null,
          });
          const now = t0 + at;
          const expected = !revoked && now < s.lastActiveAt + lifetimes.idleMs && now < s.absoluteExpiresAt;
          expect(isSessionLive(s, lifetimes, now)).toBe(expected);
        },
      ),
    );
  });
});
