export type * from './records.ts';
export type * from './repositories.ts';
export { openSqliteStore } from './sqlite.ts';
export { migrations, migrateToLatest } from './migrations/index.ts';
export { openPostgresStore, type PostgresStoreOptions } from './postgres.ts';
export { emptySecurity } from './kysely-security.ts';
