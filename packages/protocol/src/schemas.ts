import { Type, type Static } from '@sinclair/typebox';
import { ApiKeyView } from './api-keys.ts';

/**
 * Request and response schemas of the native API. The server validates with them and generates
 * `/openapi.json` from them; the SDK and command line take their types from them.
 */

export const platforms = ['desktop', 'web', 'ios', 'android', 'ipad'] as const;
/** The kind of client a session belongs to; each kind has its own slot limit (A6). */
export type Platform = (typeof platforms)[number];

export const PlatformSchema = Type.Union(
  platforms.map((p) => Type.Literal(p)),
  { title: 'Platform', description: 'The kind of client: desktop, web, ios, android or ipad.' },
);

/**
 * The platform a session view shows: a login's platform, or `api` for a request signed with an API
 * key (`GET /v1/me` through a key describes the key as its session). Nobody logs in as `api`.
 */
export type SessionPlatform = Platform | 'api';
const SessionPlatformSchema = Type.Unsafe<SessionPlatform>(
  Type.String({ enum: [...platforms, 'api'], description: 'desktop, web, ios, android, ipad, or api.' }),
);

/** Longest password accepted; long passphrases are welcome, unbounded input is not (argon2 cost). */
export const passwordLengthMax = 1024;
/** Shortest password accepted (A1, NIST SP 800-63B). */
export const passwordLengthMin = 12;

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'Email address.' });
const Password = Type.String({ minLength: 1, maxLength: passwordLengthMax * 4, description: 'Password.' });
const DeviceName = Type.String({
  minLength: 1,
  maxLength: 100,
  // Control and bidi-override characters could forge lines in another device's list or history.
  pattern: '^[^\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]+$',
  description: 'Human name of the device: no control or bidi-override characters.',
});
const DeviceId = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Stable id the client keeps for this installation; the server makes one when absent.',
});

export const RegisterBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Password,
    platform: PlatformSchema,
    deviceName: Type.Optional(DeviceName),
    deviceId: Type.Optional(DeviceId),
    twoFactorCode: Type.Optional(
      Type.String({
        minLength: 6,
        maxLength: 40,
        pattern: '^[0-9A-Za-z -]+$',
        description: 'With 2FA on: a six-digit authenticator code or a recovery code.',
      }),
    ),
    humanProof: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        pattern: '^[A-Za-z0-9+/=]+$',
        description:
          'When the server asked for it: the solved proof-of-work of GET /v1/auth/human-challenge (ALTCHA payload, base64).',
      }),
    ),
    cookie: Type.Optional(
      Type.Boolean({
        description:
          'Browser clients set this: the session goes into an HttpOnly cookie and the body carries only a CSRF token.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const AccountView = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Account' },
);
export type AccountView = Static<typeof AccountView>;

export const revokeReasons = [
  'logout',
  'revoked_by_other_device',
  'logout_others',
  'logout_all',
  'slot_evicted',
  'password_changed',
  'two_factor_changed',
  'not_me',
  // Its idle or absolute lifetime ran out (written by the server's expiry sweep).
  'expired',
] as const;
/** Why a session ended before its lifetime ran out. */
export type RevokeReason = (typeof revokeReasons)[number];

export const SessionView = Type.Object(
  {
    id: Type.String({ description: 'Public id of the session; use it to sign this device out.' }),
    deviceId: Type.String(),
    deviceName: Type.String(),
    platform: SessionPlatformSchema,
    ip: Type.String(),
    userAgent: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastActiveAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({
      format: 'date-time',
      description: 'When it ends unless used again (idle or absolute).',
    }),
    current: Type.Boolean({ description: 'Whether this is the session making the request.' }),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokeReason: Type.Union([Type.Union(revokeReasons.map((r) => Type.Literal(r))), Type.Null()]),
  },
  { title: 'Session' },
);
export type SessionView = Static<typeof SessionView>;

export const LoginResponse = Type.Object({
  account: AccountView,
  session: SessionView,
  token: Type.Optional(
    Type.String({ description: 'Bearer token; absent when the session went into a cookie.' }),
  ),
  csrfToken: Type.Optional(
    Type.String({ description: 'Send as X-CSRF-Token with cookie-authenticated writes.' }),
  ),
  evicted: Type.Array(SessionView, {
    description: 'Sessions this login signed out because their platform slot was full.',
  }),
});
export type LoginResponse = Static<typeof LoginResponse>;

export const SessionList = Type.Object({
  sessions: Type.Array(SessionView),
  apiKeys: Type.Array(ApiKeyView, {
    description: "The account's API keys, which are online devices too (A6).",
  }),
});
export type SessionList = Static<typeof SessionList>;

export const RevokeResult = Type.Object({ revoked: Type.Array(Type.String()) });
export type RevokeResult = Static<typeof RevokeResult>;

export const SessionIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const LoginHistoryEntry = Type.Object({
  id: Type.Integer(),
  success: Type.Boolean(),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  platform: Type.Union([PlatformSchema, Type.Null()]),
  deviceName: Type.String(),
  ip: Type.String(),
  userAgent: Type.String(),
  at: Type.String({ format: 'date-time' }),
});
export type LoginHistoryEntry = Static<typeof LoginHistoryEntry>;

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Return entries with an id below this one.' }),
    ),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const LoginHistoryPage = Type.Object({
  entries: Type.Array(LoginHistoryEntry),
  nextBefore: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as `before` for the next page; null at the end.',
  }),
});
export type LoginHistoryPage = Static<typeof LoginHistoryPage>;

export const MeResponse = Type.Object({
  account: AccountView,
  session: SessionView,
  stream: Type.Object({ epoch: Type.String(), seq: Type.Integer() }),
  apiKey: Type.Optional(ApiKeyView),
});
export type MeResponse = Static<typeof MeResponse>;

export const ErrorResponse = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Error' },
);

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  storage: Type.String(),
  uptimeSeconds: Type.Integer(),
});
