import type { EventBus } from './services/event-bus.ts';
import { join } from 'node:path';
import { platforms, type Platform } from '@lockstep/protocol';
import {
  defaultLifetimes,
  defaultSlotLimits,
  type SessionLifetimes,
  type SlotLimits,
} from './domain/session-policy.ts';
import { defaultThrottlePolicy, type ThrottlePolicy } from './domain/login-throttle.ts';

/** Everything the server can be configured with; `resolveConfig` fills in the defaults. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Folder of the embedded store; `lockstep.db` is created inside it. */
  dataDir: string;
  /** Use PostgreSQL at this URL instead of the embedded SQLite store. */
  postgresUrl: string | undefined;
  /** PostgreSQL schema to use (created when missing); `public` when absent. */
  postgresSchema: string | undefined;
  slots: SlotLimits;
  lifetimes: SessionLifetimes;
  throttle: ThrottlePolicy;
  /** Registrations allowed per IP per `registerWindowMs`. */
  registerPerIpMax: number;
  registerWindowMs: number;
  /** Login requests allowed per IP per minute, whatever their outcome; bounds floods of a locked login. */
  loginPerIpPerMinuteMax: number;
  /** Trust X-Forwarded-For from these proxies (Fastify's trustProxy); off by default so it cannot be spoofed. */
  trustProxy: boolean | string | string[];
  /** Mark cookies Secure; turn on whenever clients reach the server over https. */
  secureCookies: boolean;
  /** How often live connections get a heartbeat carrying the stream head. */
  heartbeatMs: number;
  /** How often live connections are pinged; one that has not answered the previous ping is dropped. */
  pingMs: number;
  /** How often sessions whose lifetime ran out are ended with a `session.revoked` (reason `expired`). */
  sessionSweepMs: number;
  /** A connection that has not authenticated by then is closed. */
  wsAuthTimeoutMs: number;
  /** Session last-active times are written at most this often, to keep requests from all writing. */
  touchIntervalMs: number;
  logLevel: string;
  /** Run the built-in liquidity bot (F1), so a fresh server shows living order books. */
  demoBot: boolean;
  /** Time between the liquidity bot's ticks. */
  demoBotIntervalMs: number;
  /**
   * Time between blocks of the simulated chain that confirms deposits and sends withdrawals in the
   * embedded setup; 0 mines only when an operator asks (`POST /v1/admin/chain/blocks`).
   */
  chainBlockMs: number;
  /** Risky logins (after failures, from new devices) must carry a solved proof-of-work (A2). */
  humanVerification: boolean;
  /** A login from a device the account never used must be approved from an emailed link (A8). */
  newDeviceVerification: boolean;
  /** With this many devices signed in, a new login must be approved from an emailed link (A7). */
  onlineDevicesMax: number;
  /** Sensitive actions (withdrawals, API keys, security changes) need a step-up this recent (A5). */
  stepUpWindowMs: number;
  /** Withdrawals are held this long after a login from a new device (A10). */
  newDeviceHoldMs: number;
  /** Withdrawals are held this long after a password or 2FA change (A10). */
  securityChangeHoldMs: number;
  /** Send mail through this SMTP server (`smtp://user:pass@host:port`); without it mail goes to the data folder's development mailbox. */
  smtpUrl: string | undefined;
  /** The address users reach the server at, for links in emails; the listening address when absent. */
  publicUrl: string | undefined;
  /** The From address of every email. */
  mailFrom: string;
  /** Key (base64url, 32 bytes) sealing secrets at rest; `dataDir/secret-key` when absent. A cluster shares one. */
  secretKey: string | undefined;
  /** Commands that may wait for the next engine batch; beyond them orders are refused with ENGINE_BUSY. */
  engineQueueMax: number;
  /** The clock every rule reads; tests inject one to test expiry without waiting. */
  now: () => number;
}

export type ServerOptions = Partial<Omit<ServerConfig, 'slots' | 'lifetimes' | 'throttle'>> & {
  slots?: Partial<SlotLimits>;
  lifetimes?: Partial<SessionLifetimes>;
  throttle?: Partial<ThrottlePolicy>;
  /** How committed events reach the live connections; in-process unless given (tests pass a lossy one). */
  bus?: EventBus;
};

export function resolveConfig(options: ServerOptions = {}): ServerConfig {
  return {
    port: options.port ?? 8080,
    host: options.host ?? '127.0.0.1',
    dataDir: options.dataDir ?? join(process.cwd(), 'data'),
    postgresUrl: options.postgresUrl,
    postgresSchema: options.postgresSchema,
    slots: { ...defaultSlotLimits, ...options.slots },
    lifetimes: { ...defaultLifetimes, ...options.lifetimes },
    throttle: { ...defaultThrottlePolicy, ...options.throttle },
    registerPerIpMax: options.registerPerIpMax ?? 30,
    registerWindowMs: options.registerWindowMs ?? 10 * 60_000,
    loginPerIpPerMinuteMax: options.loginPerIpPerMinuteMax ?? 120,
    trustProxy: options.trustProxy ?? false,
    secureCookies: options.secureCookies ?? false,
    heartbeatMs: options.heartbeatMs ?? 1_000,
    pingMs: options.pingMs ?? 15_000,
    sessionSweepMs: options.sessionSweepMs ?? 60_000,
    wsAuthTimeoutMs: options.wsAuthTimeoutMs ?? 5_000,
    touchIntervalMs: options.touchIntervalMs ?? 60_000,
    logLevel: options.logLevel ?? 'info',
    demoBot: options.demoBot ?? true,
    demoBotIntervalMs: options.demoBotIntervalMs ?? 1000,
    chainBlockMs: options.chainBlockMs ?? 5_000,
    humanVerification: options.humanVerification ?? true,
    newDeviceVerification: options.newDeviceVerification ?? true,
    onlineDevicesMax: options.onlineDevicesMax ?? 8,
    stepUpWindowMs: options.stepUpWindowMs ?? 5 * 60_000,
    newDeviceHoldMs: options.newDeviceHoldMs ?? 48 * 3_600_000,
    securityChangeHoldMs: options.securityChangeHoldMs ?? 24 * 3_600_000,
    smtpUrl: options.smtpUrl,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    mailFrom: options.mailFrom ?? 'Lockstep <no-reply@lockstep.localhost>',
    secretKey: options.secretKey,
    engineQueueMax: options.engineQueueMax ?? 50_000,
    now: options.now ?? Date.now,
  };
}

/**
 * Parses slot limits written as `ios=2,web=unlimited`. Throws with the offending part named, so the
 * command line can print it.
 */
export function parseSlotLimits(text: string): Partial<SlotLimits> {
  const limits: Partial<SlotLimits> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!platforms.includes(name as Platform)) throw new Error(`unknown platform "${name}" in --slots`);
    const limit = value === 'unlimited' ? Infinity : Number(value);
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) {
      throw new Error(`slot limit for ${name} must be a whole number of at least 1, or "unlimited"`);
    }
    limits[name as Platform] = limit;
  }
  return limits;
}
