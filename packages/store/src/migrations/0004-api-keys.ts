import type { Kysely } from 'kysely';

/**
 * API keys (A13). The key a bot sends is stored only as its SHA-256 hash (it has 256 random bits,
 * so no slow hash is needed) with a short prefix to show. An HMAC key's secret cannot be a hash:
 * checking an HMAC signature needs the secret itself, so it is sealed (AES-256-GCM) with the
 * server's secret key. An Ed25519 key stores only the client's public key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('sealed_secret', 'text')
    .addColumn('public_key', 'text')
    // JSON arrays of strings.
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('ip_whitelist', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('api_keys_account')
    .on('api_keys')
    .columns(['account_id', 'created_at'])
    .execute();
}
