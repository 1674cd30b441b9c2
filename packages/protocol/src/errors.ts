/**
 * The one catalogue of error codes the native API returns. Every rejection the server sends is
 * `{ code, message, field? }` with a code from here; `docs/errors.md` documents each one and a
 * test keeps the two in step.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: {
    status: 400,
    summary: 'A field of the request is missing, of the wrong type or out of range.',
  },
  INVALID_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The request body is not application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body is larger than the server accepts.' },
  MALFORMED_REQUEST: {
    status: 400,
    summary:
      'The HTTP request itself is malformed: bad percent-encoding in the path, an over-long path parameter, or broken framing.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    summary: 'The request line or headers are larger than the server accepts.',
  },
  NOT_FOUND: { status: 404, summary: 'No route or resource at this path.' },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'The route exists but not for this HTTP method.' },
  RATE_LIMITED: { status: 429, summary: 'Too many requests from this client; retry after the given time.' },
  PASSWORD_TOO_SHORT: { status: 400, summary: 'The password has fewer than 12 characters.' },
  PASSWORD_TOO_LONG: { status: 400, summary: 'The password has more characters than the server accepts.' },
  PASSWORD_BREACHED: {
    status: 400,
    summary: 'The password appears in the list of common and breached passwords shipped with Lockstep.',
  },
  PASSWORD_WEAK: { status: 400, summary: 'The strength estimator scores the password as easy to guess.' },
  EMAIL_TAKEN: { status: 409, summary: 'An account with this email already exists.' },
  INVALID_CREDENTIALS: { status: 401, summary: 'The email or the password is wrong.' },
  LOGIN_LOCKED: {
    status: 429,
    summary: 'Login is locked after too many failed attempts; the response says when it unlocks.',
  },
  UNAUTHENTICATED: { status: 401, summary: 'The request carries no session credential.' },
  SESSION_INVALID: { status: 401, summary: 'The session credential is not known to the server.' },
  SESSION_EXPIRED: { status: 401, summary: 'The session ended after its idle or absolute lifetime.' },
  SESSION_REVOKED: { status: 401, summary: 'The session was signed out; the response says why.' },
  CSRF_FAILED: {
    status: 403,
    summary:
      'A cookie-authenticated request lacked a valid X-CSRF-Token header or came from a foreign origin.',
  },
  SESSION_NOT_FOUND: { status: 404, summary: 'No session of this account has this id.' },
  TWO_FACTOR_REQUIRED: {
    status: 401,
    summary: 'The password was right; 2FA is on, so the login also needs an authenticator or recovery code.',
  },
  INVALID_TWO_FACTOR_CODE: {
    status: 401,
    summary: 'The 2FA code is wrong, expired, or was already used.',
  },
  STEP_UP_REQUIRED: {
    status: 403,
    summary: 'This action needs a recent re-authentication (POST /v1/auth/step-up).',
  },
  REAUTH_FAILED: {
    status: 403,
    summary: 'The password or 2FA code given to confirm a sensitive action is wrong.',
  },
  TWO_FACTOR_ALREADY_ENABLED: { status: 409, summary: '2FA is already on for this account.' },
  TWO_FACTOR_NOT_ENABLED: { status: 409, summary: '2FA is not on for this account.' },
  TWO_FACTOR_SETUP_MISSING: {
    status: 409,
    summary: 'No 2FA setup is waiting for a confirming code, or it is more than 10 minutes old.',
  },
  ACCOUNT_LOCKED: {
    status: 403,
    summary: 'Login is refused until the password is reset from the emailed link (after "Not me").',
  },
  ALERT_NOT_ANSWERABLE_HERE: {
    status: 403,
    summary:
      'A security alert cannot be answered by the device it is about, nor by one that logged in after it.',
  },
  DEVICE_NOT_CONFIRMED: {
    status: 403,
    summary:
      'This device logged in recently; another device must answer its security alert before it changes security settings.',
  },
  UNKNOWN_ALERT: { status: 404, summary: 'No security alert of this account has this id.' },
  ALERT_ALREADY_ANSWERED: { status: 409, summary: 'The security alert was already answered.' },
  HUMAN_VERIFICATION_REQUIRED: {
    status: 401,
    summary: 'This login must carry a solved proof-of-work (humanProof) from GET /v1/auth/human-challenge.',
  },
  HUMAN_VERIFICATION_FAILED: {
    status: 400,
    summary: 'The proof-of-work is wrong, expired, or its challenge was already used.',
  },
  QR_CODE_INVALID: { status: 400, summary: 'The QR login code is unknown, already used or expired.' },
  VERIFICATION_EXPIRED: {
    status: 400,
    summary: "The login's email verification is unknown, expired or already used; log in again.",
  },
  INVALID_LINK: { status: 400, summary: 'The emailed link is unknown, already used or expired.' },
  WITHDRAWAL_HELD: {
    status: 403,
    summary:
      'Withdrawals are held after a new-device login or a security change; the response says until when.',
  },
  API_KEY_INVALID: {
    status: 401,
    summary: 'The X-MBX-APIKEY header names no API key (unknown, malformed, or deleted).',
  },
  SIGNATURE_INVALID: {
    status: 401,
    summary: "The request's signature does not match its query string and body for this key.",
  },
  SIGNATURE_REPLAYED: {
    status: 401,
    summary: 'This signed request was already received; each request needs a signature of its own.',
  },
  TIMESTAMP_OUTSIDE_RECV_WINDOW: {
    status: 400,
    summary: "The signed request's timestamp is older than recvWindow or more than 1 second ahead.",
  },
  API_KEY_PERMISSION_DENIED: { status: 403, summary: 'The API key lacks the permission this route needs.' },
  IP_NOT_WHITELISTED: {
    status: 403,
    summary: "The request comes from an address outside the key's IP whitelist.",
  },
  API_KEY_NOT_ALLOWED: {
    status: 403,
    summary: 'This route accepts only a logged-in session, never an API key.',
  },
  WHITELIST_REQUIRED: {
    status: 400,
    summary: 'A key with the withdraw permission needs a non-empty IP whitelist.',
  },
  UNKNOWN_API_KEY: { status: 404, summary: 'No API key of this account has this id.' },
  API_KEY_LIMIT_REACHED: { status: 409, summary: 'The account already has as many API keys as allowed.' },
  UNKNOWN_WATCHLIST: { status: 404, summary: 'The account has no watchlist with this name.' },
  WATCHLIST_LIMIT_REACHED: { status: 409, summary: 'The account already has as many watchlists as allowed.' },
  CLOUD_SYNC_OFF: {
    status: 409,
    summary: 'Cloud sync is off, so watchlists live on each device; turn it on to keep them on the server.',
  },
  UNKNOWN_PRICE_ALERT: { status: 404, summary: 'No price alert of this account has this id.' },
  PRICE_ALERT_LIMIT_REACHED: {
    status: 409,
    summary: 'The account already has as many price alerts as allowed.',
  },
  UNKNOWN_SYMBOL: { status: 400, summary: 'No market has this symbol.' },
  UNKNOWN_ASSET: { status: 400, summary: 'No asset has this code.' },
  PRICE_FILTER: {
    status: 400,
    summary: 'The price or stop price is off-tick or outside the market price range.',
  },
  LOT_SIZE: { status: 400, summary: 'The quantity is off-step or outside the market quantity range.' },
  MARKET_LOT_SIZE: { status: 400, summary: 'The market order quantity is outside the market-order range.' },
  MIN_NOTIONAL: {
    status: 400,
    summary: 'Price times quantity (or the quote amount) is below the minimum notional.',
  },
  INSUFFICIENT_BALANCE: { status: 400, summary: 'The free balance does not cover the order or withdrawal.' },
  ORDER_WOULD_MATCH: { status: 400, summary: 'A LIMIT_MAKER order would match at once; it was not placed.' },
  FOK_NOT_FILLABLE: {
    status: 400,
    summary: 'A FOK order cannot be filled completely at once; nothing was traded.',
  },
  WOULD_TRIGGER_IMMEDIATELY: {
    status: 400,
    summary: 'A stop order would trigger at the current last price.',
  },
  MAX_OPEN_ORDERS: { status: 400, summary: 'The account has reached its limit of open orders.' },
  UNKNOWN_ORDER: { status: 404, summary: 'No open order of this account on this symbol has this id.' },
  NOTHING_TO_CLOSE: { status: 400, summary: 'One-click close found no open orders and no holding to sell.' },
  UNKNOWN_WITHDRAWAL: { status: 404, summary: 'No withdrawal of this account has this id.' },
  INVALID_WITHDRAWAL_STATE: {
    status: 409,
    summary: 'The withdrawal is not in a state that allows this step.',
  },
  ASSET_SUPPLY_LIMIT: {
    status: 400,
    summary: 'Crediting this would take the asset total beyond what the engine represents exactly.',
  },
  ENGINE_BUSY: { status: 429, summary: 'The matching engine queue is full; retry shortly.' },
  INTERNAL: { status: 500, summary: 'An unexpected server fault; it is logged with the request id.' },
} as const satisfies Record<string, { status: number; summary: string }>;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof errorCatalogue;

/** The JSON body of every error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** The request field the error is about, as a JSON pointer-like path (`password`, `querystring.limit`). */
  field?: string;
  /** Extra facts a client can act on, such as `unlocksAt` for LOGIN_LOCKED. */
  details?: Record<string, unknown>;
}

/** An error that carries a catalogue code; the server turns it into an ErrorBody response. */
export class LockstepError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'LockstepError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  /** The HTTP status this code is sent with. */
  get status(): number {
    return errorCatalogue[this.code].status;
  }

  /** The wire form of this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** Whether a string is a code from the catalogue. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(errorCatalogue, value);
}
