import { createPublicKey, randomBytes } from 'node:crypto';
import {
  LockstepError,
  apiKeyPermissions,
  apiKeysPerAccountMax,
  type ApiKeyCreated,
  type ApiKeyDeletedEvent,
  type ApiKeyPermission,
  type ApiKeyUpdatedEvent,
  type ApiKeyView,
  type CreateApiKeyBody,
  type UpdateApiKeyBody,
} from '@lockstep/protocol';
import type { ApiKeyRecord, Repositories, SessionRecord, Store } from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import { ipAllowed, parseIpRule, type IpRule } from '../security/ip-allowlist.ts';
import {
  SeenSignatures,
  assertInsideRecvWindow,
  ed25519SignatureBytes,
  ed25519SignatureMatches,
  hmacSignatureBytes,
  hmacSignatureMatches,
  parseEd25519PublicKey,
  parseSignedQuery,
  signedPayload,
} from '../security/request-signature.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { hashToken, newId, tokenMatchesHash } from '../security/tokens.ts';
import type { Emit } from './account-stream.ts';
import type { ClientContext, Principal } from './auth-service.ts';
import { clampUserAgent } from './device-name.ts';
import { isoTime } from '../domain/iso-time.ts';

/** API keys: `lsk_` and 256 random bits; HMAC secrets: `lsks_` and 256 random bits (base64url). */
const apiKeyPattern = /^lsk_[A-Za-z0-9_-]{43}$/;
/** How much of a key is shown in lists: the prefix and 8 characters (48 of its 256 bits). */
const keyPrefixLength = 12;

/** Who made a change, as the security log records it. */
export interface ApiKeyActor {
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A request signed with an API key, as the gateway saw it. */
export interface SignedRequest {
  /** The X-MBX-APIKEY header. */
  apiKey: string;
  /** What follows `?` in the request line, exactly as sent. */
  rawQuery: string;
  /** Reads the raw body; called only once the key and the timestamp pass. */
  readBody: () => Promise<Buffer>;
  ip: string;
  userAgent: string | undefined;
  /** What the route needs the key to allow. */
  permission: ApiKeyPermission;
}

/** An API key as devices list it: never the key, its hash or its secret. */
export function presentApiKey(key: ApiKeyRecord): ApiKeyView {
  return {
    id: key.id,
    label: key.label,
    type: key.type,
    keyPrefix: key.keyPrefix,
    permissions: key.permissions as ApiKeyPermission[],
    ipWhitelist: key.ipWhitelist,
    createdAt: isoTime(key.createdAt),
    updatedAt: isoTime(key.updatedAt),
    lastUsedAt: key.lastUsedAt === null ? null : isoTime(key.lastUsedAt),
  };
}

const nobody: ApiKeyActor = { sessionId: null, ip: null, userAgent: null };

/**
 * Deletes every API key of the account inside the caller's transaction, logs each deletion
 * (`api_key_deleted` with `reason`) and emits `api_key.deleted` for each, so every device drops
 * them. Requests signed with them are refused from the moment the transaction commits. This is
 * what "Not me" (A9) calls, in its own transaction beside signing out every session.
 */
export async function revokeAllApiKeys(
  repos: Repositories,
  emit: Emit,
  accountId: number,
  at: number,
  reason: string,
  actor: ApiKeyActor = nobody,
): Promise<ApiKeyView[]> {
  const deleted = await repos.apiKeys.deleteAll(accountId);
  const views = deleted.map(presentApiKey);
  for (const view of views) {
    await repos.securityLog.insert({
      accountId,
      kind: 'api_key_deleted',
      detail: { id: view.id, label: view.label, reason },
      ...actor,
      createdAt: at,
    });
    emit<ApiKeyDeletedEvent>(accountId, 'api_key.deleted', { apiKey: view });
  }
  return views;
}

/** The label trimmed; VALIDATION_FAILED when nothing is left. */
function labelOf(label: string): string {
  const trimmed = label.trim();
  if (trimmed === '')
    throw new LockstepError('VALIDATION_FAILED', 'label must not be blank', { field: 'label' });
  return trimmed;
}

/** `read` plus what was asked, in catalogue order. */
function normalizePermissions(asked: readonly ApiKeyPermission[]): ApiKeyPermission[] {
  return apiKeyPermissions.filter((p) => p === 'read' || asked.includes(p));
}

/** The whitelist in canonical form without repeats; VALIDATION_FAILED names the entry that is wrong. */
function normalizeWhitelist(entries: readonly string[]): string[] {
  const canonical = entries.map((entry, i) => {
    const parsed = parseIpRule(entry);
    if ('error' in parsed)
      throw new LockstepError('VALIDATION_FAILED', `ipWhitelist.${i}: ${parsed.error}`, {
        field: `ipWhitelist.${i}`,
      });
    return parsed.canonical;
  });
  return [...new Set(canonical)];
}

function assertWhitelistForWithdraw(
  permissions: readonly ApiKeyPermission[],
  whitelist: readonly string[],
): void {
  if (permissions.includes('withdraw') && whitelist.length === 0)
    throw new LockstepError(
      'WHITELIST_REQUIRED',
      'ipWhitelist: a key with the withdraw permission needs at least one IP address or range',
      { field: 'ipWhitelist' },
    );
}

function whitelistRules(whitelist: readonly string[]): IpRule[] {
  return whitelist.flatMap((entry) => {
    const parsed = parseIpRule(entry);
    // Stored entries were validated when written; one that no longer parses allows nothing.
    return 'error' in parsed ? [] : [parsed.rule];
  });
}

/**
 * API keys (A13): create, list, edit and delete them (each change with a step-up, a security-log
 * entry and an account event in one transaction), and authenticate the requests signed with them.
 *
 * Storage: the key itself only as its SHA-256 hash (256 random bits need no slow hash) and a short
 * prefix to show. An HMAC secret cannot be stored as a hash: verifying an HMAC signature means
 * computing the HMAC again, which needs the secret itself. It is sealed (AES-256-GCM) with the
 * server's secret key instead, so a copy of the database alone does not give it away. Ed25519 keys
 * need no secret on the server at all: only the client's public key is kept, which is why they are
 * the better choice.
 */
export class ApiKeyService {
  private readonly seen = new SeenSignatures();
  /** When each key's last-used time was last written, to write it at most once per touch interval. */
  private readonly touchedAt = new Map<string, number>();
  private static readonly touchCacheMax = 100_000;

  constructor(
    private readonly store: Store,
    private readonly config: ServerConfig,
    private readonly box: SecretBox,
    private readonly commit: <T>(fn: (repos: Repositories, emit: Emit) => Promise<T>) => Promise<T>,
    private readonly stepUp: { requireStepUp(principal: Principal): Promise<void> },
  ) {}

  /** The account's keys, oldest first. */
  async list(accountId: number, repos: Repositories = this.store.repos): Promise<ApiKeyView[]> {
    return (await repos.apiKeys.list(accountId)).map(presentApiKey);
  }

  /** One key of the account, or undefined. */
  async view(accountId: number, id: string): Promise<ApiKeyView | undefined> {
    const key = await this.store.repos.apiKeys.get(accountId, id);
    return key && presentApiKey(key);
  }

  /** Creates a key (after a step-up); the key, and an HMAC key's secret, are returned only now. */
  async create(principal: Principal, body: CreateApiKeyBody, client: ClientContext): Promise<ApiKeyCreated> {
    await this.stepUp.requireStepUp(principal);
    const label = labelOf(body.label);
    const permissions = normalizePermissions(body.permissions);
    const ipWhitelist = normalizeWhitelist(body.ipWhitelist ?? []);
    assertWhitelistForWithdraw(permissions, ipWhitelist);
    const { secret, sealedSecret, publicKey } = this.signingMaterial(body);
    const key = `lsk_${randomBytes(32).toString('base64url')}`;
    const accountId = principal.account.id;
    const now = this.config.now();
    const record: ApiKeyRecord = {
      id: newId('key'),
      accountId,
      label,
      keyHash: hashToken(key),
      keyPrefix: key.slice(0, keyPrefixLength),
      type: body.type,
      sealedSecret,
      publicKey,
      permissions,
      ipWhitelist,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    };
    const view = await this.commit(async (repos, emit) => {
      // Concurrent creations take turns, so together they cannot pass the limit.
      await repos.accounts.lock(accountId);
      if ((await repos.apiKeys.count(accountId)) >= apiKeysPerAccountMax)
        throw new LockstepError(
          'API_KEY_LIMIT_REACHED',
          `an account may have at most ${apiKeysPerAccountMax} API keys; delete one first`,
        );
      await repos.apiKeys.insert(record);
      const created = presentApiKey(record);
      await this.log(repos, accountId, 'api_key_created', this.describe(created), principal, client);
      emit<ApiKeyUpdatedEvent>(accountId, 'api_key.updated', { apiKey: created });
      return created;
    });
    return secret === undefined ? { apiKey: view, key } : { apiKey: view, key, secret };
  }

  /** Edits a key's label, permissions or whitelist (after a step-up), with the rules of creation. */
  async update(
    principal: Principal,
    id: string,
    body: UpdateApiKeyBody,
    client: ClientContext,
  ): Promise<ApiKeyView> {
    await this.stepUp.requireStepUp(principal);
    const accountId = principal.account.id;
    const patch = {
      ...(body.label === undefined ? {} : { label: labelOf(body.label) }),
      ...(body.permissions === undefined ? {} : { permissions: normalizePermissions(body.permissions) }),
      ...(body.ipWhitelist === undefined ? {} : { ipWhitelist: normalizeWhitelist(body.ipWhitelist) }),
    };
    const now = this.config.now();
    return this.commit(async (repos, emit) => {
      await repos.accounts.lock(accountId);
      const current = await repos.apiKeys.get(accountId, id);
      if (!current) throw unknownKey(id);
      assertWhitelistForWithdraw(
        (patch.permissions ?? current.permissions) as ApiKeyPermission[],
        patch.ipWhitelist ?? current.ipWhitelist,
      );
      const updated = await repos.apiKeys.update(accountId, id, patch, now);
      if (!updated) throw unknownKey(id);
      const view = presentApiKey(updated);
      await this.log(repos, accountId, 'api_key_updated', this.describe(view), principal, client);
      emit<ApiKeyUpdatedEvent>(accountId, 'api_key.updated', { apiKey: view });
      return view;
    });
  }

  /** Deletes a key (after a step-up); requests signed with it are refused from now on. */
  async delete(principal: Principal, id: string, client: ClientContext): Promise<ApiKeyView> {
    await this.stepUp.requireStepUp(principal);
    const accountId = principal.account.id;
    return this.commit(async (repos, emit) => {
      const deleted = await repos.apiKeys.delete(accountId, id);
      if (!deleted) throw unknownKey(id);
      const view = presentApiKey(deleted);
      await this.log(repos, accountId, 'api_key_deleted', { id, label: view.label }, principal, client);
      emit<ApiKeyDeletedEvent>(accountId, 'api_key.deleted', { apiKey: view });
      return view;
    });
  }

  /** Deletes every key of the account in a transaction of its own (see revokeAllApiKeys). */
  revokeAll(accountId: number, reason: string, actor: ApiKeyActor = nobody): Promise<ApiKeyView[]> {
    return this.commit((repos, emit) =>
      revokeAllApiKeys(repos, emit, accountId, this.config.now(), reason, actor),
    );
  }

  /**
   * Authenticates a signed request. In order: the key exists (API_KEY_INVALID); timestamp,
   * recvWindow and signature are well-formed (VALIDATION_FAILED); the timestamp is inside the window
   * (TIMESTAMP_OUTSIDE_RECV_WINDOW); the signature matches (SIGNATURE_INVALID) and was not seen
   * before (SIGNATURE_REPLAYED); then the whitelist (IP_NOT_WHITELISTED) and the permission
   * (API_KEY_PERMISSION_DENIED), so only the holder of the secret learns about those.
   */
  async authenticate(request: SignedRequest): Promise<Principal> {
    const now = this.config.now();
    const key = apiKeyPattern.test(request.apiKey)
      ? await this.store.repos.apiKeys.findByKeyHash(hashToken(request.apiKey))
      : undefined;
    if (!key || !tokenMatchesHash(request.apiKey, key.keyHash))
      throw new LockstepError('API_KEY_INVALID', 'the API key in X-MBX-APIKEY is not valid');
    const signed = parseSignedQuery(request.rawQuery);
    assertInsideRecvWindow(signed.timestamp, signed.recvWindowMs, now);
    const payload = signedPayload(signed.signedQuery, await request.readBody());
    const signature = this.verifiedSignature(key, payload, signed.signature);
    const seen = this.seen.remember(key.id, signature, signed.timestamp + signed.recvWindowMs, now);
    if (seen === 'replay')
      throw new LockstepError(
        'SIGNATURE_REPLAYED',
        'this signed request was already received; sign every request anew with a fresh timestamp',
      );
    if (seen === 'full')
      throw new LockstepError('RATE_LIMITED', 'too many signed requests with this key; slow down');
    if (key.ipWhitelist.length > 0 && !ipAllowed(whitelistRules(key.ipWhitelist), request.ip))
      throw new LockstepError(
        'IP_NOT_WHITELISTED',
        `this API key does not accept requests from ${request.ip}`,
      );
    if (!key.permissions.includes(request.permission))
      throw new LockstepError(
        'API_KEY_PERMISSION_DENIED',
        `this API key lacks the ${request.permission} permission this route needs`,
      );
    const account = await this.store.repos.accounts.findById(key.accountId);
    if (!account) throw new LockstepError('API_KEY_INVALID', 'the API key in X-MBX-APIKEY is not valid');
    await this.touch(key, now);
    return {
      account,
      session: standInSession(key, request, now),
      apiKey: { id: key.id, permissions: key.permissions as ApiKeyPermission[] },
    };
  }

  /** The signature's bytes (base64) once it verifies; SIGNATURE_INVALID otherwise. */
  private verifiedSignature(key: ApiKeyRecord, payload: Buffer, signature: string): string {
    let bytes: Buffer | null = null;
    let ok = false;
    if (key.type === 'HMAC_SHA256' && key.sealedSecret !== null) {
      bytes = hmacSignatureBytes(signature);
      ok = bytes !== null && hmacSignatureMatches(this.box.unseal(key.sealedSecret), payload, bytes);
    } else if (key.type === 'ED25519' && key.publicKey !== null) {
      bytes = ed25519SignatureBytes(signature);
      ok = bytes !== null && ed25519SignatureMatches(createPublicKey(key.publicKey), payload, bytes);
    }
    if (!ok || bytes === null)
      throw new LockstepError(
        'SIGNATURE_INVALID',
        key.type === 'HMAC_SHA256'
          ? 'signature must be the hex HMAC-SHA256 of the query string before &signature= followed by the body'
          : 'signature must be the base64 Ed25519 signature of the query string before &signature= followed by the body',
      );
    return bytes.toString('base64');
  }

  private signingMaterial(body: CreateApiKeyBody): {
    secret: string | undefined;
    sealedSecret: string | null;
    publicKey: string | null;
  } {
    if (body.type === 'HMAC_SHA256') {
      if (body.publicKey !== undefined)
        throw new LockstepError('VALIDATION_FAILED', 'publicKey: only ED25519 keys take a public key', {
          field: 'publicKey',
        });
      const secret = `lsks_${randomBytes(32).toString('base64url')}`;
      return { secret, sealedSecret: this.box.seal(secret), publicKey: null };
    }
    if (body.publicKey === undefined)
      throw new LockstepError('VALIDATION_FAILED', 'publicKey: an ED25519 key needs the public key', {
        field: 'publicKey',
      });
    const parsed = parseEd25519PublicKey(body.publicKey);
    if ('error' in parsed)
      throw new LockstepError('VALIDATION_FAILED', `publicKey ${parsed.error}`, { field: 'publicKey' });
    return { secret: undefined, sealedSecret: null, publicKey: parsed.pem };
  }

  private describe(view: ApiKeyView): Record<string, unknown> {
    return {
      id: view.id,
      label: view.label,
      type: view.type,
      permissions: view.permissions,
      ipWhitelist: view.ipWhitelist,
    };
  }

  private async log(
    repos: Repositories,
    accountId: number,
    kind: string,
    detail: Record<string, unknown>,
    principal: Principal,
    client: ClientContext,
  ): Promise<void> {
    await repos.securityLog.insert({
      accountId,
      kind,
      detail,
      sessionId: principal.session.id,
      ip: client.ip,
      userAgent: clampUserAgent(client.userAgent),
      createdAt: this.config.now(),
    });
  }

  private async touch(key: ApiKeyRecord, now: number): Promise<void> {
    const last = this.touchedAt.get(key.id) ?? key.lastUsedAt ?? -Infinity;
    if (now - last < this.config.touchIntervalMs) return;
    if (this.touchedAt.size >= ApiKeyService.touchCacheMax) this.touchedAt.clear();
    this.touchedAt.set(key.id, now);
    await this.store.repos.apiKeys.touch(key.id, now);
  }
}

function unknownKey(id: string): LockstepError {
  return new LockstepError('UNKNOWN_API_KEY', `no API key of this account has id ${id}`, { field: 'id' });
}

/**
 * The session a key's request stands in: the key's id and label, platform `api`, never stored. It
 * lets code written for sessions (presenters, the security log) keep working; nothing can step up
 * with it, since step-ups are stored per real session.
 */
function standInSession(key: ApiKeyRecord, request: SignedRequest, now: number): SessionRecord {
  return {
    id: key.id,
    accountId: key.accountId,
    // No token: a stand-in session can never be found, rotated or signed out as a session.
    tokenHash: '',
    csrfHash: null,
    deviceId: key.id,
    deviceName: key.label,
    platform: 'api',
    ip: request.ip,
    userAgent: clampUserAgent(request.userAgent),
    createdAt: key.createdAt,
    lastActiveAt: now,
    absoluteExpiresAt: Number.MAX_SAFE_INTEGER,
    revokedAt: null,
    revokeReason: null,
  };
}
