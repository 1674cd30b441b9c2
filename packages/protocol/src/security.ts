import { Type, type Static } from '@sinclair/typebox';
import { passwordLengthMax } from './schemas.ts';

/** A six-digit authenticator code or a recovery code (`XXXX-XXXX-…`, separators optional). */
export const SecondFactorCode = Type.String({
  minLength: 6,
  maxLength: 40,
  pattern: '^[0-9A-Za-z -]+$',
  description: 'A six-digit authenticator code, or one of the recovery codes.',
});

const CurrentPassword = Type.String({
  minLength: 1,
  maxLength: passwordLengthMax * 4,
  description: 'The account password.',
});

/** The account's security settings as every device shows them. */
export const SecurityView = Type.Object(
  {
    twoFactorEnabled: Type.Boolean(),
    /** Unused recovery codes left (0 when 2FA is off). */
    recoveryCodesLeft: Type.Integer({ minimum: 0 }),
    antiPhishingCode: Type.Union([Type.String(), Type.Null()]),
    /** Whether a login from a new device holds withdrawals for 48 hours (A10). */
    newDeviceWithdrawalHold: Type.Boolean(),
    /** When withdrawals are allowed again; null when they are not held. */
    withdrawalHoldUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    withdrawalHoldReason: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Security' },
);
export type SecurityView = Static<typeof SecurityView>;

export const StepUpBody = Type.Object(
  { password: CurrentPassword, code: Type.Optional(SecondFactorCode) },
  { additionalProperties: false },
);
export type StepUpBody = Static<typeof StepUpBody>;

export const StepUpResult = Type.Object({
  /** Sensitive actions are allowed until then without asking again. */
  stepUpUntil: Type.String({ format: 'date-time' }),
  /** The session's new bearer token (the old one stops working); absent for cookie sessions. */
  token: Type.Optional(Type.String()),
  /** The cookie session's new CSRF token. */
  csrfToken: Type.Optional(Type.String()),
});
export type StepUpResult = Static<typeof StepUpResult>;

export const TotpSetupView = Type.Object({
  /** Base32 secret, for typing into an authenticator app by hand. */
  secret: Type.String(),
  otpauthUri: Type.String(),
  /** The otpauth URI as an SVG QR code. */
  qrSvg: Type.String(),
});
export type TotpSetupView = Static<typeof TotpSetupView>;

export const TotpCodeBody = Type.Object({ code: SecondFactorCode }, { additionalProperties: false });
export type TotpCodeBody = Static<typeof TotpCodeBody>;

export const RecoveryCodesView = Type.Object({
  /** Shown once; only their hashes are kept. */
  recoveryCodes: Type.Array(Type.String()),
  security: SecurityView,
});
export type RecoveryCodesView = Static<typeof RecoveryCodesView>;

export const AntiPhishingBody = Type.Object(
  {
    code: Type.String({
      minLength: 4,
      maxLength: 32,
      pattern: '^[\\p{L}\\p{N} _.-]+$',
      description: 'A phrase shown in every email Lockstep sends (letters, digits, space, _ . -).',
    }),
  },
  { additionalProperties: false },
);
export type AntiPhishingBody = Static<typeof AntiPhishingBody>;

export const SecurityPolicyBody = Type.Object(
  { newDeviceWithdrawalHold: Type.Boolean() },
  { additionalProperties: false },
);
export type SecurityPolicyBody = Static<typeof SecurityPolicyBody>;

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: CurrentPassword,
    newPassword: Type.String({ minLength: 1, maxLength: passwordLengthMax * 4 }),
    code: Type.Optional(SecondFactorCode),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const SecurityLogEntryView = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String(),
    detail: Type.Record(Type.String(), Type.Unknown()),
    sessionId: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    at: Type.String({ format: 'date-time' }),
  },
  { title: 'SecurityLogEntry' },
);
export type SecurityLogEntryView = Static<typeof SecurityLogEntryView>;

export const SecurityLogPage = Type.Object({
  entries: Type.Array(SecurityLogEntryView),
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});
export type SecurityLogPage = Static<typeof SecurityLogPage>;

/** A login from a new device, shown to every other device with "It was me" and "Not me" (A9). */
export const SecurityAlertView = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('denied')]),
    /** The new device's session. */
    sessionId: Type.String(),
    platform: Type.String(),
    deviceName: Type.String(),
    ip: Type.String(),
    userAgent: Type.String(),
    at: Type.String({ format: 'date-time' }),
  },
  { title: 'SecurityAlert' },
);
export type SecurityAlertView = Static<typeof SecurityAlertView>;

export const AlertIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type AlertIdParams = Static<typeof AlertIdParams>;

/** The emailed reset link's token, and the new password. */
export const PasswordResetBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }),
    newPassword: Type.String({ minLength: 1, maxLength: passwordLengthMax * 4 }),
  },
  { additionalProperties: false },
);
export type PasswordResetBody = Static<typeof PasswordResetBody>;

/** A login that waits for the owner to approve it from an emailed link (202 from login). */
export const LoginPending = Type.Object({
  verification: Type.Object({
    id: Type.String(),
    /** Secret of this device's attempt: send it to POST /v1/auth/login/wait to collect the session. */
    waitToken: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
    reason: Type.Union([Type.Literal('new_device'), Type.Literal('too_many_devices')]),
  }),
});
export type LoginPending = Static<typeof LoginPending>;

const LinkToken = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' });

export const LoginWaitBody = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }), waitToken: LinkToken },
  { additionalProperties: false },
);
export type LoginWaitBody = Static<typeof LoginWaitBody>;

export const LinkTokenBody = Type.Object({ token: LinkToken }, { additionalProperties: false });
export type LinkTokenBody = Static<typeof LinkTokenBody>;

export const ApprovedLoginView = Type.Object({
  approved: Type.Literal(true),
  device: Type.Object({ platform: Type.String(), deviceName: Type.String(), ip: Type.String() }),
});
export type ApprovedLoginView = Static<typeof ApprovedLoginView>;

/** A device that asks to be logged in by QR code (A3). */
export const QrStartBody = Type.Object(
  {
    platform: Type.Unsafe<'desktop' | 'web'>(Type.String({ enum: ['desktop', 'web'] })),
    deviceName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    deviceId: Type.Optional(Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    cookie: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type QrStartBody = Static<typeof QrStartBody>;

export const QrStartView = Type.Object({
  id: Type.String(),
  /** What the QR code encodes; single-use, valid two minutes. */
  code: Type.String(),
  /** Secret of this device's attempt: send it to POST /v1/auth/qr/wait to collect the session. */
  waitToken: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  qrSvg: Type.String(),
});
export type QrStartView = Static<typeof QrStartView>;

export const QrWaitBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    waitToken: LinkToken,
    /** The status this device already shows (default pending): a change is answered at once. */
    seen: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('scanned')])),
  },
  { additionalProperties: false },
);
export type QrWaitBody = Static<typeof QrWaitBody>;

export const QrPending = Type.Object({
  qr: Type.Object({
    id: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('scanned')]),
    expiresAt: Type.String({ format: 'date-time' }),
  }),
});
export type QrPending = Static<typeof QrPending>;

export const QrCodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_:-]+$' }) },
  { additionalProperties: false },
);
export type QrCodeBody = Static<typeof QrCodeBody>;

/** What the scanning phone is shown before its owner confirms. */
export const QrRequestView = Type.Object({
  platform: Type.String(),
  deviceName: Type.String(),
  browser: Type.String(),
  ip: Type.String(),
  at: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type QrRequestView = Static<typeof QrRequestView>;

/** An ALTCHA proof-of-work challenge (A2): find `number` with hash(salt + number) = challenge. */
export const HumanChallengeView = Type.Object({
  algorithm: Type.String(),
  challenge: Type.String(),
  maxnumber: Type.Optional(Type.Integer()),
  salt: Type.String(),
  signature: Type.String(),
});
export type HumanChallengeView = Static<typeof HumanChallengeView>;
