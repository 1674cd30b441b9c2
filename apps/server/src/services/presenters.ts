import { createHash } from 'node:crypto';
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
import { isoTime } from '../domain/iso-time.ts';

export function presentAccount(a: AccountRecord): AccountView {
  return { id: a.id, email: a.email, createdAt: isoTime(a.createdAt) };
}

/**
 * How other sessions see a device's id: a stable fingerprint, not the id itself. A device id is
 * what makes a device "known" (no email verification, no alert, no hold), so it stays a secret of
 * the device it belongs to; the fingerprint still lets a list group sessions by device.
 */
export function deviceFingerprint(deviceId: string): string {
  return `dvf_${createHash('sha256').update(`device:${deviceId}`).digest('base64url').slice(0, 22)}`;
}

/** A session as devices see it; never includes the token or CSRF hashes, nor another device's id. */
export function presentSession(
  s: SessionRecord,
  lifetimes: SessionLifetimes,
  currentId?: string,
): SessionView {
  return {
    id: s.id,
    deviceId: s.id === currentId ? s.deviceId : deviceFingerprint(s.deviceId),
    deviceName: s.deviceName,
    platform: s.platform as SessionPlatform,
    ip: s.ip,
    userAgent: s.userAgent,
    createdAt: isoTime(s.createdAt),
    lastActiveAt: isoTime(s.lastActiveAt),
    expiresAt: isoTime(sessionExpiresAt(s, lifetimes)),
    current: s.id === currentId,
    revokedAt: s.revokedAt === null ? null : isoTime(s.revokedAt),
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
    at: isoTime(e.createdAt),
  };
}
