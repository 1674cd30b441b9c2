import type {
  AccountView,
  LoginHistoryEntry,
  Platform,
  RevokeReason,
  SessionPlatform,
  SessionView,
} from '@lockstep/protocol';
import type { AccountRecord, LoginHistoryRecord, SessionRecord } from '@lockstep/store';
import { sessionExpiresAt, type SessionLifetimes } from '../domain/session-policy.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function presentAccount(a: AccountRecord): AccountView {
  return { id: a.id, email: a.email, createdAt: iso(a.createdAt) };
}

/** A session as devices see it; never includes the token or CSRF hashes. */
export function presentSession(
  s: SessionRecord,
  lifetimes: SessionLifetimes,
  currentId?: string,
): SessionView {
  return {
    id: s.id,
    deviceId: s.deviceId,
    deviceName: s.deviceName,
    platform: s.platform as SessionPlatform,
    ip: s.ip,
    userAgent: s.userAgent,
    createdAt: iso(s.createdAt),
    lastActiveAt: iso(s.lastActiveAt),
    expiresAt: iso(sessionExpiresAt(s, lifetimes)),
    current: s.id === currentId,
    revokedAt: s.revokedAt === null ? null : iso(s.revokedAt),
    revokeReason: s.revokeReason as RevokeReason | null,
  };
}

/** The event-stream form of a session: the same as the view, without the per-viewer `current` flag. */
export function sessionEventData(
  s: SessionRecord,
  lifetimes: SessionLifetimes,
): { session: Omit<SessionView, 'current'> } {
  const view: Partial<SessionView> = presentSession(s, lifetimes);
  delete view.current;
  return { session: view as Omit<SessionView, 'current'> };
}

export function presentLoginHistory(e: LoginHistoryRecord): LoginHistoryEntry {
  return {
    id: e.id,
    success: e.success,
    failureReason: e.failureReason,
    sessionId: e.sessionId,
    platform: e.platform as Platform | null,
    deviceName: e.deviceName,
    ip: e.ip,
    userAgent: e.userAgent,
    at: iso(e.createdAt),
  };
}
