/** What the repositories read and write, in the server's terms. Times are milliseconds since the epoch. */

export interface AccountRecord {
  id: number;
  email: string;
  passwordHash: string;
  createdAt: number;
  streamEpoch: string;
  streamSeq: number;
}

export interface SessionRecord {
  id: string;
  accountId: number;
  tokenHash: string;
  csrfHash: string | null;
  deviceId: string;
  deviceName: string;
  platform: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastActiveAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
}

export interface StoredEvent {
  accountId: number;
  seq: number;
  type: string;
  data: unknown;
  createdAt: number;
}

export interface LoginHistoryRecord {
  id: number;
  accountId: number;
  success: boolean;
  failureReason: string | null;
  sessionId: string | null;
  platform: string | null;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
}

export interface ThrottleRecord {
  key: string;
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}
