import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { startServer, type LockstepServer, type ServerOptions } from '@lockstep/server';
import { LockstepClient } from '@lockstep/sdk';
import type { Platform } from '@lockstep/protocol';

/** A password every rule accepts; tests that are not about passwords use it. */
export const strongPassword = 'violet-Harbor-91-quasar-Lantern';

/** A clock tests move by hand, so expiry is tested without waiting. */
export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestServer extends LockstepServer {
  dataDir: string;
  backend: Backend;
  /** Stops the server, keeping its data, and starts it again on the same data and port. */
  restart(options?: ServerOptions): Promise<TestServer>;
  /** Stops the server and deletes its data. */
  dispose(): Promise<void>;
}

export type Backend = 'sqlite' | 'postgres';

const postgresUrl = process.env.LOCKSTEP_TEST_POSTGRES_URL;

/** The storage backends suites run on: SQLite always, PostgreSQL when its URL is set. */
export const backends: readonly Backend[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestServerOptions extends ServerOptions {
  backend?: Backend;
}

/**
 * A real server on an ephemeral port, on a real SQLite file in a fresh folder, or on PostgreSQL in
 * a fresh schema of its own.
 */
export async function startTestServer(
  options: TestServerOptions = {},
  dataDir?: string,
): Promise<TestServer> {
  const backend = options.backend ?? 'sqlite';
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'lockstep-test-'));
  const postgresSchema = options.postgresSchema ?? `lockstep_test_${randomBytes(6).toString('hex')}`;
  const storage: ServerOptions =
    backend === 'postgres' ? { postgresUrl: requirePostgresUrl(), postgresSchema } : {};
  const server = await startServer({
    port: 0,
    logLevel: 'silent',
    registerPerIpMax: 10_000,
    loginPerIpPerMinuteMax: 10_000,
    // The liquidity bot would trade on every market; suites that want it turn it on.
    demoBot: false,
    // Blocks of the simulated chain come when a test mines them, never on a timer.
    chainBlockMs: 0,
    // Suites log devices in freely; the email verification of new devices (A8) and of crowded
    // accounts (A7), and the proof-of-work of risky logins (A2), are proven by the security
    // suite, which turns them on.
    newDeviceVerification: false,
    onlineDevicesMax: 1_000_000,
    humanVerification: false,
    ...options,
    ...storage,
    dataDir: dir,
  });
  return Object.assign(server, {
    dataDir: dir,
    backend,
    async restart(next?: ServerOptions) {
      // The same port, so clients made before the restart reach the new process.
      const port = Number(new URL(server.url).port);
      await server.close();
      // Client and server share this process, and the store opens without yielding to I/O; let the
      // clients' connection pools see the old server's closed sockets before the new one starts.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return startTestServer({ ...options, ...next, ...storage, port }, dir);
    },
    async dispose() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await dropSchema(postgresSchema);
    },
  });
}

function requirePostgresUrl(): string {
  if (!postgresUrl) throw new Error('LOCKSTEP_TEST_POSTGRES_URL is not set');
  return postgresUrl;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: requirePostgresUrl() });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

/** An SDK client for the test server, with Node's WebSocket. */
export function clientFor(server: { url: string }, userAgent = 'lockstep-tests/1'): LockstepClient {
  return new LockstepClient({
    baseUrl: server.url,
    WebSocket: WebSocket,
    userAgent,
  });
}

let emailCounter = 0;
/** A unique email per call, so tests sharing a server do not collide. */
export function uniqueEmail(prefix = 'trader'): string {
  emailCounter += 1;
  return `${prefix}-${process.pid}-${emailCounter}-${Date.now()}@example.test`;
}

/** Registers an account and returns its credentials. */
export async function registerAccount(server: { url: string }): Promise<{ email: string; password: string }> {
  const email = uniqueEmail();
  await clientFor(server).register({ email, password: strongPassword });
  return { email, password: strongPassword };
}

/** Re-authenticates the device (step-up), as a user does before a withdrawal or a security change. */
export async function steppedUp(client: LockstepClient, password = strongPassword): Promise<LockstepClient> {
  await client.stepUp({ password });
  return client;
}

/** Logs a new device of the account in. */
export async function loginDevice(
  server: { url: string },
  account: { email: string; password: string },
  platform: Platform,
  deviceName?: string,
): Promise<LockstepClient> {
  const client = clientFor(server);
  await client.login({ ...account, platform, ...(deviceName ? { deviceName } : {}) });
  return client;
}
