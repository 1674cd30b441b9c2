import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseSlotLimits, type ServerOptions } from './config.ts';
import { startServer, type LockstepServer } from './app.ts';

/** The options `npm start` and `lockstep serve` share. */
export function addServeOptions(command: Command): Command {
  return command
    .option('--port <port>', 'port to listen on (env PORT)', process.env.PORT ?? '8080')
    .option('--host <host>', 'address to listen on (env HOST)', process.env.HOST ?? '127.0.0.1')
    .option(
      '--data <dir>',
      'folder of the embedded store (env LOCKSTEP_DATA)',
      process.env.LOCKSTEP_DATA ?? './data',
    )
    .option(
      '--postgres <url>',
      'store in PostgreSQL instead of SQLite (env LOCKSTEP_POSTGRES_URL)',
      process.env.LOCKSTEP_POSTGRES_URL,
    )
    .option('--slots <limits>', 'per-platform session limits, e.g. "ios=2,web=unlimited"')
    .option('--idle-days <days>', 'a session unused this many days ends', '30')
    .option('--max-days <days>', 'a session ends this many days after login, however active', '90')
    .option(
      '--secure-cookies',
      'mark session cookies Secure; use whenever clients reach the server over https (env LOCKSTEP_SECURE_COOKIES=1)',
      process.env.LOCKSTEP_SECURE_COOKIES === '1',
    )
    .option('--trust-proxy <addresses>', 'trust X-Forwarded-For from these proxy addresses (comma-separated)')
    .option(
      '--no-demo-bot',
      'do not run the built-in liquidity bot on the demo markets (env LOCKSTEP_DEMO_BOT=0)',
      process.env.LOCKSTEP_DEMO_BOT !== '0',
    )
    .option(
      '--block-seconds <seconds>',
      'seconds between blocks of the simulated chain that confirms deposits and sends withdrawals; 0 mines only when an operator asks',
      '5',
    )
    .option(
      '--smtp-url <url>',
      'send email through this SMTP server, e.g. smtp://user:pass@mail:587 (env LOCKSTEP_SMTP_URL); without it mail goes to the development mailbox in the data folder',
      process.env.LOCKSTEP_SMTP_URL,
    )
    .option(
      '--mail-from <address>',
      'From address of every email (env LOCKSTEP_MAIL_FROM)',
      process.env.LOCKSTEP_MAIL_FROM,
    )
    .option(
      '--step-up-minutes <minutes>',
      'how long a re-authentication allows sensitive actions (withdrawals, API keys, security changes)',
      '5',
    )
    .option(
      '--engine-queue-max <commands>',
      'orders that may wait for the matching engine; beyond them requests are refused with ENGINE_BUSY',
      '50000',
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug or trace (env LOG_LEVEL)',
      process.env.LOG_LEVEL ?? 'info',
    );
}

export interface ServeFlags {
  port: string;
  host: string;
  data: string;
  postgres?: string;
  slots?: string;
  idleDays: string;
  maxDays: string;
  trustProxy?: string;
  secureCookies?: boolean;
  /** False with --no-demo-bot or LOCKSTEP_DEMO_BOT=0. */
  demoBot?: boolean;
  blockSeconds?: string;
  smtpUrl?: string;
  mailFrom?: string;
  publicUrl?: string;
  stepUpMinutes?: string;
  engineQueueMax?: string;
  logLevel: string;
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1, got "${text}"`);
  return value;
}

function blockSeconds(text: string): number {
  const value = Number(text);
  // Node's timers wait at most 2^31 - 1 ms; beyond that they would fire every millisecond.
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 2_147_483)
    throw new Error(`--block-seconds must be 0 to 2147483, got "${text}"`);
  return value;
}

/** Turns command-line flags into server options, naming the flag when one is wrong. */
export function serveOptionsFrom(flags: ServeFlags): ServerOptions {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got "${flags.port}"`);
  const dayMs = 86_400_000;
  return {
    port,
    host: flags.host,
    dataDir: resolve(flags.data),
    postgresUrl: flags.postgres,
    slots: flags.slots ? parseSlotLimits(flags.slots) : undefined,
    lifetimes: {
      idleMs: positiveNumber('idle-days', flags.idleDays) * dayMs,
      absoluteMs: positiveNumber('max-days', flags.maxDays) * dayMs,
    },
    trustProxy: flags.trustProxy ? flags.trustProxy.split(',').map((a) => a.trim()) : false,
    secureCookies: flags.secureCookies === true,
    demoBot: flags.demoBot !== false,
    chainBlockMs: blockSeconds(flags.blockSeconds ?? '5') * 1000,
    smtpUrl: flags.smtpUrl,
    mailFrom: flags.mailFrom,
    publicUrl: flags.publicUrl,
    stepUpWindowMs: positiveNumber('step-up-minutes', flags.stepUpMinutes ?? '5') * 60_000,
    engineQueueMax: wholeNumber('engine-queue-max', flags.engineQueueMax ?? '50000'),
    secretKey: process.env.LOCKSTEP_SECRET_KEY,
    logLevel: flags.logLevel,
  };
}

/** Starts the server from flags, prints where it is, and shuts down cleanly on SIGINT/SIGTERM. */
export async function serve(flags: ServeFlags): Promise<LockstepServer> {
  const server = await startServer(serveOptionsFrom(flags));
  process.stdout.write(
    `\nLockstep is running at ${server.url}\n  data: ${server.config.postgresUrl ? 'PostgreSQL' : server.config.dataDir}\n  API:  ${server.url}/openapi.json\n` +
      (server.config.smtpUrl
        ? '\n'
        : `  mail: ${server.url}/dev/mail (development mailbox; \`npx lockstep admin mail\`)\n\n`),
  );
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}
