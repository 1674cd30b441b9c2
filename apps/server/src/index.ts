export { startServer, type LockstepServer } from './app.ts';
export { resolveConfig, type ServerConfig, type ServerOptions } from './config.ts';
export { addServeOptions, serve } from './serve.ts';
export { readAdminToken } from './security/admin-token.ts';
export { auditStore, type AuditOutcome } from './engine-host/offline-audit.ts';
export {
  createMailer,
  mailboxFile,
  readMailbox,
  type Mailer,
  type OutgoingMail,
  type StoredMail,
} from './mail/mailer.ts';
export { composeSecurityMail } from './mail/compose.ts';
export { createMemoryBus, type AccountEventBatch, type EventBus } from './services/event-bus.ts';
