import { Type, type Static } from '@sinclair/typebox';

/** What an API key may do; `read` is always included (A13). */
export const apiKeyPermissions = ['read', 'trade', 'withdraw'] as const;
export type ApiKeyPermission = (typeof apiKeyPermissions)[number];

/** How a key's requests are signed: an HMAC secret made by the server, or the client's Ed25519 key. */
export const apiKeyTypes = ['HMAC_SHA256', 'ED25519'] as const;
export type ApiKeyType = (typeof apiKeyTypes)[number];

/** At most this many addresses and ranges in one key's IP whitelist. */
export const ipWhitelistMax = 30;
/** At most this many API keys per account. */
export const apiKeysPerAccountMax = 30;
/** The default and the largest `recvWindow` of a signed request, in milliseconds. */
export const recvWindowDefaultMs = 5_000;
export const recvWindowMaxMs = 60_000;

/** The header that carries the API key of a signed request (Binance's name). */
export const apiKeyHeader = 'x-mbx-apikey';

const PermissionSchema = Type.Unsafe<ApiKeyPermission>(
  Type.String({ enum: [...apiKeyPermissions], description: 'read, trade or withdraw.' }),
);
const TypeSchema = Type.Unsafe<ApiKeyType>(
  Type.String({ enum: [...apiKeyTypes], description: 'HMAC_SHA256 or ED25519.' }),
);

const Label = Type.String({
  minLength: 1,
  maxLength: 64,
  // Shown in every device list: no control or bidi-override characters (and not blank: the service trims).
  pattern: '^[^\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]+$',
  description: 'A name for the key (1–64 characters; no control or bidi-override characters).',
});

const Permissions = Type.Array(PermissionSchema, {
  maxItems: apiKeyPermissions.length,
  uniqueItems: true,
  description: '`read` is always included; `withdraw` needs a non-empty ipWhitelist.',
});

const IpWhitelist = Type.Array(Type.String({ minLength: 2, maxLength: 49, pattern: '^[0-9A-Fa-f.:/]+$' }), {
  maxItems: ipWhitelistMax,
  description:
    'Single IPv4/IPv6 addresses and CIDR ranges (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32). Empty: any address.',
});

/** An API key as every device lists it: never the key itself, nor its secret. */
export const ApiKeyView = Type.Object(
  {
    id: Type.String({ description: 'Public id of the key; use it to edit or delete it.' }),
    label: Type.String(),
    type: TypeSchema,
    keyPrefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    permissions: Type.Array(PermissionSchema),
    ipWhitelist: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'ApiKey' },
);
export type ApiKeyView = Static<typeof ApiKeyView>;

export const CreateApiKeyBody = Type.Object(
  {
    label: Label,
    type: TypeSchema,
    permissions: Permissions,
    ipWhitelist: Type.Optional(IpWhitelist),
    publicKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description:
          'ED25519 only: the public key as PEM (SPKI) or as base64 of its raw 32 bytes. The private key never leaves the client.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeyCreated = Type.Object({
  apiKey: ApiKeyView,
  key: Type.String({ description: 'Send as the X-MBX-APIKEY header. Shown only now.' }),
  secret: Type.Optional(
    Type.String({
      description: 'HMAC_SHA256 only: the signing secret. Shown only now; it cannot be shown again.',
    }),
  ),
});
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;

export const UpdateApiKeyBody = Type.Object(
  {
    label: Type.Optional(Label),
    permissions: Type.Optional(Permissions),
    ipWhitelist: Type.Optional(IpWhitelist),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateApiKeyBody = Static<typeof UpdateApiKeyBody>;

export const ApiKeyIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKeyView) });
export type ApiKeyList = Static<typeof ApiKeyList>;
