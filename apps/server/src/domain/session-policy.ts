import type { Platform } from '@lockstep/protocol';

/** How many live sessions each platform may hold at once; `Infinity` means no limit (A6). */
export type SlotLimits = Record<Platform, number>;

export const defaultSlotLimits: SlotLimits = { desktop: 1, web: Infinity, ios: 1, android: 1, ipad: 1 };

/** Session lifetimes (A5). */
export interface SessionLifetimes {
  /** A session unused this long ends (sliding). */
  idleMs: number;
  /** A session ends this long after login, however active. */
  absoluteMs: number;
}

const dayMs = 24 * 60 * 60 * 1000;
export const defaultLifetimes: SessionLifetimes = { idleMs: 30 * dayMs, absoluteMs: 90 * dayMs };

/** The parts of a session these rules look at. */
export interface SessionTimes {
  id: string;
  platform: string;
  createdAt: number;
  lastActiveAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
}

/** When the session ends unless it is used again. */
export function sessionExpiresAt(session: SessionTimes, lifetimes: SessionLifetimes): number {
  return Math.min(session.lastActiveAt + lifetimes.idleMs, session.absoluteExpiresAt);
}

/** Whether the session may still authenticate at `now`. */
export function isSessionLive(session: SessionTimes, lifetimes: SessionLifetimes, now: number): boolean {
  return session.revokedAt === null && now < sessionExpiresAt(session, lifetimes);
}

/**
 * The sessions a new login on `platform` signs out: the oldest ones of that platform, enough to
 * leave room for the new one. Other platforms are never touched.
 */
export function slotEvictions<S extends SessionTimes>(
  live: readonly S[],
  platform: Platform,
  limits: SlotLimits,
): S[] {
  const limit = limits[platform];
  if (!Number.isFinite(limit)) return [];
  const samePlatform = live
    .filter((s) => s.platform === platform)
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const excess = samePlatform.length - (limit - 1);
  return excess > 0 ? samePlatform.slice(0, excess) : [];
}
