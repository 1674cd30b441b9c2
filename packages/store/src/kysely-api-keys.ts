import type { Selectable } from 'kysely';
import type { Executor } from './kysely-executor.ts';
import type { ApiKeysTable } from './schema.ts';
import type { ApiKeyRecord, ApiKeyType } from './records.ts';
import type { ApiKeyPatch, ApiKeyRepository } from './repositories.ts';

function stringArray(json: string): string[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error('api_keys: a list column does not hold a JSON array of strings');
  return value;
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    accountId: Number(row.account_id),
    label: row.label,
    keyHash: row.key_hash,
    keyPrefix: row.key_prefix,
    type: row.type as ApiKeyType,
    sealedSecret: row.sealed_secret,
    publicKey: row.public_key,
    permissions: stringArray(row.permissions),
    ipWhitelist: stringArray(row.ip_whitelist),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

function patchRow(patch: ApiKeyPatch, at: number): Partial<ApiKeysTable> {
  const row: Partial<ApiKeysTable> = { updated_at: at };
  if (patch.label !== undefined) row.label = patch.label;
  if (patch.permissions !== undefined) row.permissions = JSON.stringify(patch.permissions);
  if (patch.ipWhitelist !== undefined) row.ip_whitelist = JSON.stringify(patch.ipWhitelist);
  return row;
}

/** API keys over one executor. */
export function kyselyApiKeys(db: Executor): ApiKeyRepository {
  return {
    async insert(key) {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          label: key.label,
          key_hash: key.keyHash,
          key_prefix: key.keyPrefix,
          type: key.type,
          sealed_secret: key.sealedSecret,
          public_key: key.publicKey,
          permissions: JSON.stringify(key.permissions),
          ip_whitelist: JSON.stringify(key.ipWhitelist),
          created_at: key.createdAt,
          updated_at: key.updatedAt,
          last_used_at: key.lastUsedAt,
        })
        .execute();
    },
    async findByKeyHash(keyHash) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .executeTakeFirst();
      return row && toApiKey(row);
    },
    async get(accountId, id) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toApiKey(row);
    },
    async list(accountId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toApiKey);
    },
    async count(accountId) {
      const row = await db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async update(accountId, id, patch, at) {
      const row = await db
        .updateTable('api_keys')
        .set(patchRow(patch, at))
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toApiKey(row);
    },
    async delete(accountId, id) {
      const row = await db
        .deleteFrom('api_keys')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toApiKey(row);
    },
    async deleteAll(accountId) {
      const rows = await db
        .deleteFrom('api_keys')
        .where('account_id', '=', accountId)
        .returningAll()
        .execute();
      return rows.map(toApiKey).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async touch(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
